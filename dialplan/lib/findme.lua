-- findme.lua: find-me / follow-me. Rings a user's phones in the steps the admin
-- listed in users{} (vars.findme), each step with its own ring time, and falls
-- back to "not available" when nobody takes the call.
--
-- The steps have the shape of call:dial's `steps` (docs/dialplan.md), so there is
-- one syntax to learn:
--
--   users {
--     ["100"] = { name = "Reception", password = "...", context = "office", vars = {
--       findme = {
--         { "100", timeout = 15 },                               -- the desk phone
--         { "100", { "sip:100@192.0.2.7", confirm = true }, timeout = 20 },  -- desk + mobile
--       } } },
--   }
--
--   local findme = require "findme"
--   extensions.office["100"] = function(call) findme(call, "100") end
--
-- `confirm = true` makes that phone hear "press 1 to accept the call" and connects
-- it only once 1 is pressed: a mobile's own voicemail cannot take the call.
-- A user without vars.findme is simply rung (all their registered phones).
--
--   findme(call, id [, opts])        rings, then findme.unavailable() if nobody
--                                    answered; returns call:dial's result
--   findme.dial(call, id [, opts])   rings only; returns call:dial's result
--   opts: timeout (per step unless the step says, 20), total, caller_id, music
--         (passed to call:dial; music needs a PBX whose call:dial has it),
--         announce (a prompt the caller hears first, e.g. "findme-hold"; this
--         answers the call: there is no early media yet).
--
-- findme.unavailable(call, id, result) is what a caller gets when nobody answers:
-- the user's voicemail when app_voicemail is loaded and has a box `id` (the busy
-- greeting when the dial found them busy), else the "not-available" prompt; then
-- the call ends with the dial's cause. It is a plain field, so a dialplan can
-- replace it.

local M = {}

M.default_timeout = 20

-- The steps for user `id`: vars.findme, else the user alone.
function M.steps(id)
  local u = pbx.user(id)
  local steps = u and u.vars and u.vars.findme
  if steps == nil then return { { id } } end
  if type(steps) ~= "table" or #steps == 0 then
    error(("users['%s'].vars.findme: a list of steps such as { { \"%s\", timeout = 15 } }"):format(id, id), 2)
  end
  return steps
end

function M.dial(call, id, opts)
  opts = opts or {}
  local steps = M.steps(id)
  if opts.announce then call:playback(opts.announce) end
  local dopts = { steps = steps, timeout = opts.timeout or M.default_timeout, total = opts.total,
                  caller_id = opts.caller_id, music = opts.music }
  log.info("find-me for %s: %d step(s)", id, #steps)
  return call:dial(dopts)
end

-- Nobody answered: voicemail, or the caller hears why; then the call ends.
function M.unavailable(call, id, r)
  log.info("%s is not available (%s)", id, r and r.status or "?")
  if not call.hungup and call.voicemail and voicemail.exists(id) then
    return call:voicemail(id, { greeting = r and r.status == "busy" and "busy" or "unavail" })
  end
  if not call.hungup and call.playback then -- no prompts on a PBX without res_rtp
    call:playback("not-available", { stop = "" })
  end
  call:hangup(r and r.cause ~= "normal" and r.cause or "unavailable")
end

-- Statuses after which the caller still waits for something.
local unanswered = { busy = true, noanswer = true, unavailable = true, failed = true, cancelled = true }
M.unanswered = unanswered

return setmetatable(M, {
  __call = function(_, call, id, opts)
    local r = M.dial(call, id, opts)
    if unanswered[r.status] then M.unavailable(call, id, r) end
    return r
  end,
})
