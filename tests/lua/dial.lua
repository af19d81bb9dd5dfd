-- dial.lua: call:dial() on the real core, with Test legs acting out their
-- destination (see tests/modules/chan_test.c): forking, first answer wins,
-- the losers are cancelled, failures come back as a status to branch on.

settings { dialplan = { default_context = "office" } }

local function report(call, r)
  log.notice("dial: status=%s cause=%s channel=%s ended_by=%s", r.status, r.cause,
             tostring(r.channel), tostring(r.ended_by))
end

extensions = {
  office = {
    ["1"] = function(call) report(call, call:dial("Test/hangup:100")) end,
    ["2"] = function(call) report(call, call:dial{ "Test/ring", "Test/answer:80", "Test/busy:30" }) end,
    ["3"] = function(call) report(call, call:dial("Test/busy:20")) end,
    ["4"] = function(call) report(call, call:dial({ "Test/ring" }, { timeout = 0.2 })) end,
    ["5"] = function(call) report(call, call:dial{ "Test/busynow", "Test/unavailable" }) end,
    ["6"] = function(call) report(call, call:dial("Test/unavailable")) end,
    -- The pending wait returns {status="hangup"}; the next wait would end the script.
    ["7"] = function(call) local r = call:dial("Test/ring"); log.notice("never %s by %s", r.status, r.ended_by) end,
    ["8"] = function(call) report(call, call:dial("Nope/1001")) end,
    ["9"] = function(call)
      local r = call:dial("Test/answer")
      report(call, r)
    end,
    ["10"] = function(call)
      local r = call:dial("Test/busy:10")
      if r.status == "busy" then
        log.notice("busy: trying the next one")
        r = call:dial("Test/hangup:50")
      end
      report(call, r)
    end,
  },
}

tests = {
  { name = "answered call: bridged until the callee hangs up", call = "1",
    expect = { "ringing", "answer", "hangup:normal" },
    legs = { ["hangup:100"] = "call" },
    log = "dial: status=answered cause=normal channel=Test/hangup:100-" },
  { name = "forking: first answer wins, the others are cancelled", call = "2",
    expect = { "ringing", "answer" }, hangup_after = 0.3,
    legs = { ring = "call hangup:cancelled", ["answer:80"] = "call hangup:normal" },
    log = "call C-" },
  { name = "busy callee", call = "3", expect = { "ringing", "hangup:normal" },
    log = "dial: status=busy cause=busy" },
  { name = "no answer within the timeout", call = "4", expect = { "ringing", "hangup:normal" },
    legs = { ring = "call hangup:cancelled" }, log = "dial: status=noanswer cause=noanswer" },
  { name = "every target fails at once", call = "5", expect = "hangup:normal",
    log = "dial: status=busy cause=busy" },
  { name = "unavailable target", call = "6", expect = "hangup:normal",
    log = "dial: status=unavailable cause=unavailable" },
  { name = "the caller hangs up while it rings: the leg is cancelled", call = "7",
    hangup_after = 0.1, expect = "ringing", legs = { ring = "call hangup:cancelled" },
    log = "never cancelled by caller" },
  { name = "an unknown technology fails with a reason", call = "8", expect = "hangup:normal",
    log = { "no channel technology 'Nope'", "dial: status=failed" } },
  { name = "the caller hangs up during the conversation: answered, ended by the caller", call = "9",
    hangup_after = 0.2, expect = { "ringing", "answer" }, legs = { answer = "call hangup:normal" },
    log = "dial: status=answered cause=normal channel=Test/answer-" },
  { name = "... and the result says who ended it", call = "9", hangup_after = 0.2,
    expect = { "ringing", "answer" }, log = "ended_by=caller" },
  { name = "branching on the result: busy, then another target", call = "10",
    expect = { "ringing", "ringing", "answer", "hangup:normal" },
    log = { "busy: trying the next one", "dial: status=answered" } },
}
