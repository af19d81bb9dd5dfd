-- forward.lua: call forwarding, unconditional, on busy and on no answer, per user.
-- What a user forwards to comes from users{} (vars.forward), from a forward set at
-- run time (forward.set, e.g. by a *72 feature code, the console's `features
-- forward` or a desk phone's forward key; stored by the core, so it survives a
-- reload and a restart), or from the call's own arguments; the last wins.
--
--   users { ["101"] = { ..., vars = { forward = {
--     always = nil,            -- every call goes there, the user's phones do not ring
--     busy = "102",            -- the user is busy (or declines)
--     noanswer = "103",        -- nobody answered in `timeout` seconds
--     timeout = 20,
--   } } } }
--
--   local forward = require "forward"
--   local r = forward.ring(call, "101", ring)   -- ring(call, id) rings a local user
--                                               -- and returns call:dial's result
--   forward.set("101", "always", "105")         -- from a feature code
--   forward.set("101", "always", nil)           -- cleared
--   forward.ring(call, "101", ring, { noanswer = "100" })  -- this call only
--
-- A destination that is a local user is rung with `ring`, so that user's own
-- forwards, do-not-disturb and find-me apply; anything else ("sip:..@..", a
-- "TECH/..." target) is dialled as it is. Loops are cut: a call that has already
-- been through a user (101 -> 102 -> 101) or through forward.max_hops users rings
-- the user itself instead of following the forward (logged as a warning).

local M = { max_hops = 5 }

local kinds = { always = true, busy = true, noanswer = true }

-- dest nil: off (even if users{} names one). Returns true, or nil and why.
function M.set(id, kind, dest)
  assert(kinds[kind], "forward.set: kind is always, busy or noanswer")
  return pbx.set_forward(id, kind, dest)
end

-- The user's forward of `kind` ("always", "busy", "noanswer"), or nil.
function M.get(id, kind, opts)
  if opts and opts[kind] ~= nil then return opts[kind] or nil end
  local f = pbx.features(id)
  if f then return f.forward[kind] end
  local u = pbx.user(id) -- not a user: nothing to forward
  return u and u.vars and u.vars.forward and u.vars.forward[kind] or nil
end

-- The users this call went through, in order (kept in call.vars).
local function chain(call)
  call.vars.forward_chain = call.vars.forward_chain or {}
  return call.vars.forward_chain
end

local function seen(list, id)
  for _, v in ipairs(list) do if v == id then return true end end
  return false
end

-- Rings `dest`: a local user through ring (with its forwards), else as a target.
local function route(call, from, dest, ring, why)
  log.info("%s forwards (%s) to %s", from, why, dest)
  if pbx.user(dest) then return M.ring(call, dest, ring) end
  return call:dial(dest, { timeout = M.timeout_of(from) })
end

function M.timeout_of(id, opts)
  if opts and opts.timeout then return opts.timeout end
  local f = pbx.features(id)
  return f and f.forward.timeout or 20
end

function M.ring(call, id, ring, opts)
  local list = chain(call)
  local looped = seen(list, id) or #list >= M.max_hops
  if looped then
    log.warning("forwarding loop for %s (through %s): ringing it without its forwards", id,
                table.concat(list, " -> "))
  end
  list[#list + 1] = id
  local always = not looped and M.get(id, "always", opts)
  if always and not (pbx.user(always) and seen(list, always)) then
    return route(call, id, always, ring, "always")
  elseif always then
    log.warning("forwarding loop: %s -> %s already rang; ringing %s", id, always, id)
  end
  local r = ring(call, id)
  if looped or r.status == "answered" or r.status == "hangup" then return r end
  local kind = r.status == "busy" and "busy" or r.status == "noanswer" and "noanswer" or nil
  local dest = kind and M.get(id, kind, opts)
  if dest and pbx.user(dest) and seen(list, dest) then
    log.warning("forwarding loop: %s -> %s already rang", id, dest)
    return r
  end
  if dest then return route(call, id, dest, ring, kind) end
  return r
end

return M
