-- dnd.lua: do-not-disturb per user. While it is on, calls to the user do not ring
-- their phones: the dialplan sends them where it would when nobody answers
-- (forward on busy, or the "not available" fallback). The state is the core's
-- (pbx.features / pbx.set_dnd): stored, so it survives a reload and a restart, and
-- shared with the console (`features dnd`) and with desk phones' DND keys
-- (as-feature-event); `vars.dnd = true` in users{} is where a user starts.
--
--   local dnd = require "dnd"
--   if dnd.active("101") then ... end
--   dnd.set("101", true)                 -- on; false: off
--   extensions.office["*78"] = function(call) dnd.feature(call, true) end   -- on
--   extensions.office["*79"] = function(call) dnd.feature(call, false) end  -- off
--   dnd.filter({ "101", "102", "103" })  -- the ids without DND, for a ring group

local M = {}

-- Returns true, or nil and why (no such user).
function M.set(id, on)
  return pbx.set_dnd(id, on and true or false)
end

function M.active(id)
  local f = pbx.features(id)
  return f ~= nil and f.dnd
end

function M.filter(ids)
  local out = {}
  for _, id in ipairs(ids) do
    if not M.active(id) then out[#out + 1] = id end
  end
  return out
end

-- A feature code: the caller's own DND on or off, said back to them.
function M.feature(call, on)
  M.set(call.from, on)
  call:answer()
  if call.playback then call:playback(on and "dnd-on" or "dnd-off", { stop = "" }) end
  call:hangup()
end

return M
