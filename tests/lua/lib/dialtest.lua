-- dialtest.lua: helpers shared by the call:dial test files (tests/lua/dial_*.lua),
-- found by require in lib/ beside them.
--   local dialtest = require "dialtest"
--   ["1"] = dialtest.dial{ "Test/ring", timeout = 0.1 }   -- an extension that dials and logs
--   dialtest.mistake("30", "name", "message")              -- a case: the options raise that error

local M = {}

-- Logs the result in one line the cases look for.
function M.report(call, r)
  log.notice("dial: status=%s cause=%s channel=%s tried=%s step=%s", r.status, r.cause,
             tostring(r.channel), tostring(r.tried), tostring(r.step))
end

-- An extension function that dials with these arguments and reports.
function M.dial(...)
  local args = table.pack(...)
  return function(call) M.report(call, call:dial(table.unpack(args, 1, args.n))) end
end

-- A case: the dial's options are refused with `message`, before anything rings.
function M.mistake(n, name, message)
  return { name = name, call = n, expect = "hangup:failure", log = message, nolog = "presents caller" }
end

return M
