-- dial_strategies.lua: call:dial() strategies on the real core, with Test legs
-- acting out their destination (see tests/modules/chan_test.c): sequential
-- hunting, steps (find-me), per-target and whole-dial time limits, caller ID
-- presentation, and options checked before anything rings.

settings { dialplan = { default_context = "office" } }

local dialtest = require "dialtest" -- lib/dialtest.lua
local dial, mistake = dialtest.dial, dialtest.mistake

extensions = {
  office = {
    -- hunting: busy moves on at once, a ringing one for its timeout, then the next
    ["1"] = dial({ "Test/busy:20", "Test/ring", "Test/hangup:50" }, { strategy = "sequential", timeout = 0.2 }),
    ["2"] = dial{ "Test/ring", "Test/busy:20", "Test/unavailable", strategy = "sequential", timeout = 0.1 },
    ["3"] = dial{ { "Test/ring", timeout = 0.1 }, "Test/hangup:50", strategy = "sequential", timeout = 30 },
    -- parallel with a target's own ring time
    ["4"] = dial{ { "Test/ring", timeout = 0.1 }, "Test/answer:300" },
    -- find-me steps
    ["5"] = dial{ steps = { { "Test/ring" }, { "Test/ring", "Test/hangup:50", timeout = 1 } }, timeout = 0.1 },
    ["6"] = dial{ steps = { { "Test/busynow" }, { "Test/unavailable" }, { "Test/ring", timeout = 0.1 } } },
    -- total= ends the hunt
    ["7"] = dial({ "Test/ring", "Test/answer" }, { strategy = "sequential", timeout = 10, total = 0.2 }),
    -- the caller hangs up mid-hunt
    ["8"] = function(call)
      local r = call:dial{ "Test/busy:20", "Test/ring", "Test/answer", strategy = "sequential", timeout = 2 }
      log.notice("never %s", r.status)
    end,
    -- every target fails at once: tried counts them
    ["9"] = dial{ "Test/busynow", "Test/unavailable", strategy = "sequential" },
    ["10"] = dial{ "Test/busynow", "Test/unavailable" },
    -- a string target still takes options
    ["11"] = dial("Test/hangup:50", { strategy = "parallel", timeout = 5 }),
    -- caller ID presentation
    ["20"] = dial("Test/hangup:30", { caller_id = { number = "100", name = "Reception" } }),
    ["21"] = dial("Test/hangup:30", { caller_id = { name = "Sales" } }),
    ["22"] = dial("Test/hangup:30"),
    -- mistakes: a Lua error, nothing rings
    ["30"] = dial{ "Test/ring", timout = 5 },
    ["31"] = dial{ "Test/ring", strategy = "sequental" },
    ["32"] = dial{ "Test/ring", timeout = "10" },
    ["33"] = dial{ "Test/ring", 42 },
    ["34"] = dial{ "Test/ring", { "Test/ring", tmeout = 1 } },
    ["35"] = dial{ "Test/ring", steps = { { "Test/ring" } } },
    ["36"] = dial{ "Test/ring", caller_id = { number = "1 0>" } },
    ["37"] = dial{ steps = { { "Test/ring" }, "Test/ring" } },
    ["38"] = dial{ "Test/ring", total = -1 },
    ["39"] = dial{ "Test/ring", caller_id = { number = "100", nmae = "x" } },
  },
}

tests = {
  { name = "sequential: busy moves on, a ring rings out, the third answers", call = "1",
    expect = { "ringing", "answer", "hangup:normal" },
    legs = { ring = "call hangup:cancelled", ["hangup:50"] = "call" },
    log = { "dial step 1 of 3", "dial step 2 of 3", "dial step 3 of 3",
            "dial: status=answered cause=normal channel=Test/hangup:50-", "tried=3 step=3" } },
  { name = "sequential: nobody answers, the result is what matters most", call = "2",
    expect = { "ringing", "hangup:normal" }, legs = { ring = "call hangup:cancelled" },
    log = "dial: status=busy cause=busy channel=nil tried=3 step=nil" },
  { name = "sequential: a target's own timeout", call = "3", timeout = 2,
    expect = { "ringing", "answer", "hangup:normal" }, legs = { ring = "call hangup:cancelled" },
    log = "dial: status=answered cause=normal channel=Test/hangup:50-" },
  { name = "parallel: a target's own timeout ends its leg only", call = "4", hangup_after = 0.6,
    expect = { "ringing", "answer" },
    legs = { ring = "call hangup:cancelled", ["answer:300"] = "call hangup:normal" } },
  { name = "steps: the second step answers", call = "5",
    expect = { "ringing", "answer", "hangup:normal" },
    legs = { ring = "call hangup:cancelled", ["hangup:50"] = "call" },
    log = { "dial step 2 of 2", "dial: status=answered cause=normal channel=Test/hangup:50-",
            "tried=3 step=2" } },
  { name = "steps: failing steps move on at once, the result keeps the busy", call = "6",
    expect = { "ringing", "hangup:normal" },
    log = "dial: status=busy cause=busy channel=nil tried=3" },
  { name = "total= ends the hunt", call = "7", timeout = 2,
    expect = { "ringing", "hangup:normal" }, legs = { ring = "call hangup:cancelled" },
    log = "dial: status=noanswer cause=noanswer channel=nil tried=1",
    nolog = "dial step 2 of 2" },
  { name = "the caller hangs up mid-hunt: the ringing step is cancelled", call = "8",
    hangup_after = 0.15, expect = "ringing", legs = { ring = "call hangup:cancelled" },
    log = { "dial step 2 of 3", "never cancelled" }, nolog = "dial step 3 of 3" },
  { name = "sequential: every target fails at once", call = "9", expect = "hangup:normal",
    log = "dial: status=busy cause=busy channel=nil tried=2" },
  { name = "parallel: every target fails at once", call = "10", expect = "hangup:normal",
    log = "dial: status=busy cause=busy channel=nil tried=2" },
  { name = "a string target with options", call = "11",
    expect = { "ringing", "answer", "hangup:normal" }, log = "tried=1 step=1" },
  { name = "caller_id: the new leg presents the number and name given", call = "20",
    expect = { "ringing", "answer", "hangup:normal" }, from = "1000",
    log = 'presents caller 100 "Reception"' },
  { name = "caller_id: a name alone keeps the caller's number", call = "21",
    expect = { "ringing", "answer", "hangup:normal" }, from = "1000",
    log = 'presents caller 1000 "Sales"' },
  { name = "without caller_id the leg presents the caller", call = "22",
    expect = { "ringing", "answer", "hangup:normal" }, from = "1000", log = 'presents caller 1000 ""' },
  mistake("30", "a misspelt option: did you mean", "unknown option 'timout' (did you mean 'timeout'?)"),
  mistake("31", "an unknown strategy", 'strategy: "parallel" or "sequential", did you mean sequential'),
  mistake("32", "a timeout that is not a number", "timeout: seconds expected"),
  mistake("33", "a target that is not a string", "target 2: a string or"),
  mistake("34", "a target's misspelt option", "target 2: unknown option 'tmeout' (did you mean 'timeout'?)"),
  mistake("35", "steps and targets together", "steps: give steps or targets"),
  mistake("36", "a caller ID number that is not one", "caller_id.number: digits"),
  mistake("37", "a step that is not a list", "steps[2]: a list of targets expected, got string"),
  mistake("38", "a negative total", "total: seconds from 0 to 3600"),
  mistake("39", "caller_id's misspelt field", "caller_id: unknown option 'nmae' (did you mean 'name'?)"),
}
