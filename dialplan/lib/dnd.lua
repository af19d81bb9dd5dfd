-- dnd.lua: do-not-disturb per user. While it is on, calls to the user do not ring
-- their phones: the dialplan sends them where it would when nobody answers
-- (forward on busy, or the "not available" fallback). The state is a Lua table of
-- this dialplan generation: a reload or a restart turns it off again (it is not
-- stored); `vars.dnd = true` in users{} starts a user with it on.
--
--   local dnd = require "dnd"
--   if dnd.active("101") then ... end
--   dnd.set("101", true)                 -- on; false: off
--   extensions.office["*78"] = function(call) dnd.feature(call, true) end   -- on
--   extensions.office["*79"] = function(call) dnd.feature(call, false) end  -- off
--   dnd.filter({ "101", "102", "103" })  -- the ids without DND, for a ring group

local M = {}

local state = {} -- [id] = true/false, this generation only

function M.set(id, on)
  state[id] = on and true or false
  log.notice("do-not-disturb %s for %s", on and "on" or "off", id)
end

function M.active(id)
  if state[id] ~= nil then return state[id] end
  local u = pbx.user(id)
  return (u and u.vars and u.vars.dnd) == true
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
