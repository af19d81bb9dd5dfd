-- office_lib.lua: the office library of dialplan/lib (findme, forward, dnd, ivr,
-- timeofday) on the real core. Calls use Test legs acting out their destination
-- (tests/modules/chan_test.c); Test calls have no audio, so prompts fail quietly
-- there and the IVR is driven by a scripted stand-in for the call object (the
-- SIP test tests/integration/test_office.sh plays and presses keys for real).

package.path = "dialplan/lib/?.lua;" .. package.path -- run from the source tree

local findme = require "findme"
local forward = require "forward"
local dnd = require "dnd"
local ivr = require "ivr"
local timeofday = require "timeofday"

settings { dialplan = { default_context = "office" } }

local function phone(target) return { password = "x", context = "office", vars = { phone = target } } end

users {
  ["200"] = { password = "x", context = "office", vars = { findme = {
    { "Test/ring", timeout = 0.1 },
    { "Test/ring", { "Test/press:50:1", confirm = true }, timeout = 1 },
  } } },
  ["201"] = { password = "x", context = "office", vars = { findme = { { "Test/busy:20" }, { "Test/ring" } } } },
  ["202"] = { password = "x", context = "office" }, -- no findme: rung as SIP/202 (not registered here)
  ["203"] = { password = "x", context = "office", vars = { findme = "100" } },
  ["300"] = { password = "x", context = "office", vars = { phone = "Test/ring", forward = { always = "301" } } },
  ["301"] = phone("Test/hangup:50"),
  ["302"] = { password = "x", context = "office", vars = { phone = "Test/busy:20", forward = { busy = "301" } } },
  ["303"] = { password = "x", context = "office",
              vars = { phone = "Test/ring", forward = { noanswer = "301", timeout = 0.2 } } },
  ["304"] = { password = "x", context = "office", vars = { phone = "Test/ring", forward = { always = "305" } } },
  ["305"] = { password = "x", context = "office",
              vars = { phone = "Test/hangup:60", forward = { always = "304" } } },
  ["306"] = { password = "x", context = "office", vars = { phone = "Test/busy:20", forward = { busy = "307" } } },
  ["307"] = { password = "x", context = "office", vars = { phone = "Test/busy:30", forward = { busy = "306" } } },
  ["308"] = { password = "x", context = "office", vars = { phone = "Test/ring", forward = { always = "Test/hangup:70" } } },
  ["309"] = phone("Test/hangup:80"),
  ["310"] = { password = "x", context = "office", vars = { phone = "Test/hangup:90", dnd = true } },
}

local function report(r)
  log.notice("result: status=%s cause=%s channel=%s step=%s", r.status, tostring(r.cause), tostring(r.channel),
             tostring(r.step))
end

-- How the sample dialplan rings a local user: DND first, then the user's phone.
local function ring(call, id)
  if dnd.active(id) then
    log.notice("%s is on do-not-disturb", id)
    return { status = "busy", cause = "busy" }
  end
  return call:dial(pbx.user(id).vars.phone, { timeout = forward.timeout_of(id) })
end

extensions = {
  office = {
    ["_20X"] = function(call) report(findme(call, call.to, { timeout = 0.2 })) end,
    ["_3XX"] = function(call) report(forward.ring(call, call.to, ring)) end,
    ["*78"] = function(call) dnd.feature(call, true) end,
    ["*79"] = function(call) dnd.feature(call, false) end,
    ["400"] = function(call) -- a ring group without the members on DND
      local members = dnd.filter{ "Test/hangup:40", "310" }
      log.notice("members: %s", table.concat(members, ","))
    end,
  },
}

-- A stand-in for the call object: read_digits returns the scripted answers in turn.
local function fake_call(script)
  local c = { from = "1000", played = {}, hung = false }
  function c:answer() return true end
  function c:read_digits(o)
    self.played[#self.played + 1] = type(o.prompt) == "table" and table.concat(o.prompt, "+") or o.prompt
    return table.remove(script, 1) or { status = "timeout" }
  end
  function c:playback(f) self.played[#self.played + 1] = f; return { status = "done" } end
  function c:hangup() self.hung = true end
  return c
end

local function at(y, mo, d, h, mi) return os.time{ year = y, month = mo, day = d, hour = h, min = mi or 0 } end

local function expect_error(fn, want)
  local ok, err = pcall(fn)
  assert(not ok, "no error")
  assert(tostring(err):find(want, 1, true), "error was: " .. tostring(err))
end

tests = {
  -- find-me
  { name = "findme: the second step's phone accepts with 1", call = "200", timeout = 3,
    expect = { "ringing", "answer", "hangup:normal" },
    legs = { ["press:50:1"] = "call" },
    log = { "find-me for 200: 2 step(s)", "dial step 2 of 2", "accepted the call",
            "result: status=answered cause=normal channel=Test/press:50:1-", "step=2" } },
  { name = "findme: nobody answers, the not-available fallback ends the call busy", call = "201",
    expect = { "ringing", "hangup:busy" },
    log = { "201 is not available (busy)", "result: status=busy" } },
  { name = "findme: a user without steps is rung alone (SIP/202: no SIP here)", call = "202",
    expect = "hangup:failure", log = { "find-me for 202: 1 step(s)", "cannot dial '202'", "202 is not available (failed)" } },
  { name = "findme: steps that are not a list stop the call with the reason", call = "203",
    expect = "hangup:failure", log = "users['203'].vars.findme: a list of steps" },
  { name = "findme.unavailable can be replaced (voicemail)", run = function()
      local old = findme.unavailable
      local got
      findme.unavailable = function(call, id, r) got = id .. ":" .. r.status end
      local c = fake_call{}
      c.dial = function() return { status = "noanswer", cause = "noanswer" } end
      local r = findme(c, "202")
      findme.unavailable = old
      assert(r.status == "noanswer" and got == "202:noanswer", tostring(got))
    end },
  -- forwarding
  { name = "forward: always, without ringing the user", call = "300",
    expect = { "ringing", "answer", "hangup:normal" }, legs = { ["hangup:50"] = "call" },
    log = { "300 forwards (always) to 301", "result: status=answered" }, nolog = "Test/ring-" },
  { name = "forward: on busy", call = "302", expect = { "ringing", "ringing", "answer", "hangup:normal" },
    legs = { ["busy:20"] = "call", ["hangup:50"] = "call" },
    log = { "302 forwards (busy) to 301", "result: status=answered" } },
  { name = "forward: on no answer, after the user's timeout", call = "303",
    expect = { "ringing", "ringing", "answer", "hangup:normal" },
    legs = { ring = "call hangup:cancelled", ["hangup:50"] = "call" },
    log = { "303 forwards (noanswer) to 301", "result: status=answered" } },
  { name = "forward: an always loop rings the last user itself", call = "304",
    expect = { "ringing", "answer", "hangup:normal" }, legs = { ["hangup:60"] = "call" },
    log = { "304 forwards (always) to 305", "forwarding loop: 305 -> 304 already rang; ringing 305",
            "result: status=answered" } },
  { name = "forward: a busy loop ends busy", call = "306", expect = { "ringing", "ringing", "hangup:normal" },
    log = { "306 forwards (busy) to 307", "forwarding loop: 307 -> 306 already rang", "result: status=busy" } },
  { name = "forward: to a destination that is not a user", call = "308",
    expect = { "ringing", "answer", "hangup:normal" }, legs = { ["hangup:70"] = "call" },
    log = "308 forwards (always) to Test/hangup:70" },
  { name = "forward.set at run time, then cleared", run = function()
      forward.set("309", "always", "301")
      assert(forward.get("309", "always") == "301")
      forward.set("300", "always", nil) -- clears users{}'s too
      assert(forward.get("300", "always") == nil)
      assert(forward.get("300", "always", { always = "302" }) == "302", "the call's own argument wins")
      forward.set("300", "always", "301")
    end },
  { name = "forward: the run-time forward applies", call = "309",
    expect = { "ringing", "answer", "hangup:normal" }, legs = { ["hangup:50"] = "call" },
    log = "309 forwards (always) to 301", nolog = "Test/hangup:80-" },
  { name = "forward: too many hops are cut", run = function()
      local c = fake_call{}
      c.vars = { forward_chain = { "1", "2", "3", "4", "5" } }
      local rang
      local r = forward.ring(c, "300", function(_, id) rang = id; return { status = "busy" } end)
      assert(rang == "300" and r.status == "busy", "rang " .. tostring(rang))
    end, log = "forwarding loop for 300" },
  -- do-not-disturb
  { name = "dnd: *78 turns it on for the caller", call = "*78", from = "309", expect = { "answer", "hangup:normal" },
    log = "do-not-disturb on for 309" },
  { name = "dnd: on, a call to the user is not rung", call = "309", expect = { "ringing", "answer", "hangup:normal" },
    log = { "309 forwards (always) to 301" } },
  { name = "dnd: state and filter", run = function()
      assert(dnd.active("309") and dnd.active("310") and not dnd.active("301"))
      local m = dnd.filter{ "301", "309", "310" }
      assert(#m == 1 and m[1] == "301")
    end },
  { name = "dnd: *79 turns it off", call = "*79", from = "309", expect = { "answer", "hangup:normal" },
    log = "do-not-disturb off for 309" },
  { name = "dnd: off again", run = function() assert(not dnd.active("309")) end },
  { name = "dnd: vars.dnd starts it on; a ring group skips the member", call = "400", expect = "hangup:normal",
    log = "members: Test/hangup:40" },
  -- IVR
  { name = "ivr: a key runs its option", run = function()
      local c = fake_call{ { status = "ok", digits = "2" } }
      local r = ivr.menu(c, { prompt = "welcome", options = { ["1"] = function() return "sales" end,
                                                              ["2"] = function(call, d) return "support" .. d end } })
      assert(r == "support2" and c.played[1] == "welcome")
    end },
  { name = "ivr: a wrong key plays invalid and asks again; silence asks again", run = function()
      local c = fake_call{ { status = "ok", digits = "7" }, { status = "timeout" }, { status = "ok", digits = "0" } }
      local r = ivr.menu(c, { prompt = { "welcome", "beep" }, options = { ["0"] = function() return "op" end } })
      assert(r == "op", tostring(r))
      assert(table.concat(c.played, " ") == "welcome+beep invalid-option welcome+beep welcome+beep",
             table.concat(c.played, " "))
    end },
  { name = "ivr: after the retries, goodbye and hang up (or fail)", run = function()
      local c = fake_call{ { status = "ok", digits = "9" }, { status = "ok", digits = "9" } }
      local r, why = ivr.menu(c, { prompt = "welcome", options = {}, retries = 2, invalid = "nope" })
      assert(r == nil and why == "failed" and c.hung)
      assert(table.concat(c.played, " ") == "welcome nope welcome nope goodbye", table.concat(c.played, " "))
      local failed
      c = fake_call{}
      ivr.menu(c, { prompt = "welcome", options = {}, retries = 1, fail = function() failed = true end })
      assert(failed and not c.hung)
    end },
  { name = "ivr: a hang-up ends the menu", run = function()
      local r, why = ivr.menu(fake_call{ { status = "hangup" } }, { prompt = "welcome", options = {} })
      assert(r == nil and why == "hangup")
    end },
  -- time of day (2026-12-07 is a Monday)
  { name = "timeofday: weekdays, from and to", run = function()
      local h = { days = "mon-fri", from = "08:30", to = "18:00" }
      assert(timeofday.office_hours(h, at(2026, 12, 7, 8, 30)))
      assert(timeofday.office_hours(h, at(2026, 12, 11, 17, 59)))        -- Friday
      assert(not timeofday.office_hours(h, at(2026, 12, 7, 8, 29)))
      assert(not timeofday.office_hours(h, at(2026, 12, 7, 18, 0)))
      assert(not timeofday.office_hours(h, at(2026, 12, 12, 10)))        -- Saturday
    end },
  { name = "timeofday: several periods, lists, wrapping ranges, midnight", run = function()
      local h = timeofday.check{ days = "mon,wed-thu", from = "09:00", to = "12:00",
                                 { days = "sat", from = "10:00", to = "11:00" },
                                 { days = "fri-sun", from = "22:00", to = "02:00" } }
      assert(timeofday.office_hours(h, at(2026, 12, 9, 10)))             -- Wednesday
      assert(not timeofday.office_hours(h, at(2026, 12, 8, 10)))         -- Tuesday
      assert(timeofday.office_hours(h, at(2026, 12, 12, 10, 30)))        -- Saturday
      assert(timeofday.office_hours(h, at(2026, 12, 13, 23)))            -- Sunday night
      assert(timeofday.office_hours(h, at(2026, 12, 14, 1)))             -- after Sunday's midnight
      assert(not timeofday.office_hours(h, at(2026, 12, 15, 1)))         -- after Monday's
    end },
  { name = "timeofday: holidays, yearly or once", run = function()
      local h = { days = "mon-fri", from = "08:00", to = "18:00", holidays = { "12-25", "2026-12-08" } }
      local open, why = timeofday.office_hours(h, at(2026, 12, 25, 10))
      assert(not open and why == "holiday")
      assert(not timeofday.office_hours(h, at(2026, 12, 8, 10)))
      assert(timeofday.office_hours(h, at(2027, 12, 8, 10)))             -- a Wednesday, not that year
    end },
  { name = "timeofday: mistakes are named", run = function()
      expect_error(function() timeofday.check{ days = "mon-fir", from = "08:00", to = "18:00" } end,
                   "days: 'mon-fir' is not a day")
      expect_error(function() timeofday.check{ days = "mon", from = "8h", to = "18:00" } end,
                   "from: '8h' is not a time")
      expect_error(function() timeofday.check{ holidays = { "25/12" }, days = "mon" } end,
                   "holiday '25/12' is not YYYY-MM-DD")
      expect_error(function() timeofday.check{} end, "no period")
    end },
}
