-- dial_confirm.lua: call:dial's confirm option ("press 1 to accept") on the real
-- core, with Test legs acting out their destination (tests/modules/chan_test.c):
-- "Test/press:MS:DIGITS" answers, presses each digit MS apart and hangs up 300 ms
-- after the last; "Test/answer" answers and never presses anything.

settings { dialplan = { default_context = "office" } }

local dialtest = require "dialtest" -- lib/dialtest.lua
local dial, mistake = dialtest.dial, dialtest.mistake

local quick = { timeout = 0.3 }

extensions = {
  office = {
    -- the right digit connects the leg
    ["1"] = dial{ { "Test/press:50:1", confirm = true } },
    -- wrong digits are ignored, the right one still wins
    ["2"] = dial{ { "Test/press:50:291", confirm = { digit = "1" } } },
    -- a leg that answers but never presses: its time runs out, it counts as noanswer
    ["3"] = dial{ { "Test/answer", confirm = quick } },
    -- a leg that presses a wrong digit and hangs up: noanswer, not "answered"
    ["4"] = dial{ { "Test/press:50:5", confirm = { timeout = 2 } } },
    -- find-me: step 1 answers without accepting, step 2 accepts
    ["5"] = dial{ steps = {
      { "Test/answer", confirm = quick },
      { "Test/press:50:#", confirm = { digit = "#", timeout = 1 } },
    } },
    -- the dial-level option applies to every target; a target can turn it off
    ["6"] = dial{ "Test/answer", { "Test/answer:200", confirm = false }, confirm = quick },
    -- two legs confirming at once: the first to press wins, the other is cancelled
    ["7"] = dial{ "Test/press:300:1", "Test/press:50:1", confirm = true },
    -- a leg that answers while another confirms is confirmed too; without confirm it wins
    ["8"] = dial{ { "Test/answer:20", confirm = true }, "Test/answer:150" },
    -- the whole dial's total= also ends a confirming leg
    ["9"] = dial{ { "Test/answer", confirm = true }, total = 0.3 },
    -- mistakes: a Lua error, nothing rings
    ["30"] = dial{ "Test/ring", confirm = { prompt = "x", digt = "1" } },
    ["31"] = dial{ "Test/ring", confirm = { digit = "12" } },
    ["32"] = dial{ "Test/ring", confirm = "yes" },
    ["33"] = dial{ { "Test/ring", confirm = { timeout = 0 } } },
    ["34"] = dial{ "Test/ring", confrim = true },
    ["35"] = dial{ steps = { { "Test/ring", confirm = { prompt = 5 } } } },
  },
}

tests = {
  { name = "confirm: the digit connects the leg", call = "1",
    expect = { "ringing", "answer", "hangup:normal" },
    log = { "waiting 10 s for it to press 1", "accepted the call",
            "dial: status=answered cause=normal channel=Test/press:50:1-" } },
  { name = "confirm: wrong digits are ignored", call = "2",
    expect = { "ringing", "answer", "hangup:normal" },
    log = { "pressed 2, not 1: ignored", "pressed 9, not 1: ignored", "accepted the call",
            "dial: status=answered" } },
  { name = "confirm: no digit in time hangs the leg up as noanswer", call = "3",
    expect = { "ringing", "hangup:normal" }, legs = { answer = "call hangup:cancelled" },
    log = { "did not accept the call (no digit in time)", "dial: status=noanswer cause=noanswer" },
    nolog = "accepted the call" },
  { name = "confirm: a callee that hangs up without accepting is noanswer", call = "4",
    expect = { "ringing", "hangup:normal" },
    log = { "pressed 5, not 1: ignored", "did not accept the call (hung up)",
            "dial: status=noanswer cause=noanswer" } },
  { name = "confirm: find-me goes on to the next step", call = "5", timeout = 3,
    expect = { "ringing", "answer", "hangup:normal" }, legs = { answer = "call hangup:cancelled" },
    log = { "dial step 2 of 2", "waiting 1 s for it to press #",
            "dial: status=answered cause=normal channel=Test/press:50:#-", "step=2" } },
  { name = "confirm: dial-level, turned off by a target", call = "6", hangup_after = 0.5,
    expect = { "ringing", "answer" },
    legs = { answer = "call hangup:cancelled", ["answer:200"] = "call hangup:normal" },
    log = "waiting 0.3 s for it to press 1" },
  { name = "confirm: two confirming legs, the first to press wins", call = "7",
    expect = { "ringing", "answer", "hangup:normal" },
    legs = { ["press:300:1"] = "call hangup:cancelled" },
    log = { "dial: status=answered cause=normal channel=Test/press:50:1-" } },
  { name = "confirm: a leg without confirm answering wins over one confirming", call = "8",
    hangup_after = 0.4, expect = { "ringing", "answer" },
    legs = { ["answer:20"] = "call hangup:cancelled", ["answer:150"] = "call hangup:normal" },
    log = { "waiting 10 s", "Test/answer:150-" } },
  { name = "confirm: total= ends the confirming leg too", call = "9",
    expect = { "ringing", "hangup:normal" }, legs = { answer = "call hangup:cancelled" },
    log = { "did not accept the call (no digit in time)", "dial: status=noanswer" } },
  mistake("30", "confirm: a misspelt field", "confirm: unknown field 'digt' (did you mean 'digit'?)"),
  mistake("31", "confirm: a digit that is not one", "confirm: digit: one of 0-9, * or #"),
  mistake("32", "confirm: not a boolean or a table", "confirm: true, false or { prompt ="),
  mistake("33", "confirm: a zero timeout", "target 1: confirm: timeout: seconds from 0 to 3600"),
  mistake("34", "confirm: a misspelt option name", "unknown option 'confrim' (did you mean 'confirm'?)"),
  mistake("35", "confirm: a prompt that is not a name", "steps[1]: confirm: prompt: a sound name"),
}
