-- ivr.lua: a voice menu. Plays a prompt, reads one key (or `digits` keys), runs
-- the option's function; a key that is no option plays `invalid` and asks again,
-- silence asks again, and after `retries` tries `fail` runs (by default:
-- "goodbye", then the call ends).
--
--   local ivr = require "ivr"
--   ivr.menu(call, {
--     prompt = "welcome",                  -- a sound name or a list of them
--     options = {
--       ["1"] = function(call) return call:dial{ "101", "102", "103" } end,
--       ["2"] = function(call) return call:dial("104") end,
--       ["0"] = function(call) return call:dial("100") end,
--     },
--     retries = 3,                         -- tries in all (3)
--     timeout = 5,                         -- seconds to wait for a key after the prompt (5)
--     invalid = "invalid-option",          -- played after a wrong key (this by default)
--     fail = function(call) ... end,       -- after the last try (goodbye and hang up)
--     digits = 1,                          -- keys per choice (1)
--   })
--
-- It returns what the chosen option's function returns, or nil and "hangup" /
-- "failed" / "error" (the call has no audio; the message is the third value).
-- The prompt can be interrupted: a caller who knows the menu presses at once.

local M = {}

local function goodbye(call)
  call:playback("goodbye", { stop = "" })
  call:hangup()
end

function M.menu(call, menu)
  assert(type(menu) == "table" and menu.prompt and type(menu.options) == "table",
         "ivr.menu(call, { prompt = ..., options = { [\"1\"] = function(call) ... end } })")
  local retries, invalid = menu.retries or 3, menu.invalid or "invalid-option"
  call:answer()
  for try = 1, retries do
    local d = call:read_digits{ prompt = menu.prompt, max = menu.digits or 1, timeout = menu.timeout or 5,
                                terminator = "" }
    if d.status == "hangup" then return nil, "hangup" end
    if d.status == "error" then
      log.warning("ivr: %s", d.error)
      return nil, "error", d.error
    end
    local choice = d.status == "ok" and menu.options[d.digits]
    if choice then
      log.info("ivr: %s chose %s", call.from, d.digits)
      return choice(call, d.digits)
    end
    if d.status == "ok" then
      log.info("ivr: %s pressed %s, not an option (try %d of %d)", call.from, d.digits, try, retries)
      call:playback(invalid)
    else
      log.info("ivr: no key from %s (try %d of %d)", call.from, try, retries)
    end
  end
  local fail = menu.fail or goodbye
  fail(call)
  return nil, "failed"
end

return M
