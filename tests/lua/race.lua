-- race.lua: pbx.any and pbx.all, branches of one call waiting side by side.

settings { dialplan = { max_instructions = 200000, max_memory_mb = 32, default_context = "office" } }

extensions = {
  office = {
    -- The first branch to return wins; the slower one is stopped.
    ["1"] = function(call)
      local i, r = pbx.any{
        function() return call:sleep(5) end,
        function() return call:sleep(0.05) end,
      }
      log.notice("any: branch %d, status %s", i, r.status)
      call:hangup()
    end,

    -- A dial and a timer race: the timer wins, the ringing leg is cancelled.
    ["2"] = function(call)
      local i, r = pbx.any{
        function() return call:dial("Test/ring", { timeout = 30 }) end,
        function() call:sleep(0.1); return "gave up", 42 end,
      }
      log.notice("any: branch %d says %s %s", i, tostring(r), tostring(select(3, i, r, 42)))
      call:hangup("busy")
    end,

    -- pbx.all waits for every branch: a list of their first results.
    ["3"] = function(call)
      local rs = pbx.all{
        function() return call:sleep(0.05) end,
        function() call:sleep(0.1); return "second" end,
        function() return call:dial("Test/busy:20") end,
      }
      log.notice("all: %s, %s, %s", rs[1].status, rs[2], rs[3].status)
      call:hangup()
    end,

    -- A branch that returns at once wins at once, with every value it returned.
    ["4"] = function(call)
      local i, a, b, c = pbx.any{
        function() call:sleep(5) end,
        function() return 1, "two", 3 end,
      }
      log.notice("any: %d -> %s %s %s", i, tostring(a), tostring(b), tostring(c))
      call:hangup()
    end,

    -- The caller hangs up during the race: every branch stops, hang-up wins.
    ["5"] = function(call)
      call:answer()
      local r = pbx.any{
        function() return call:dial("Test/ring") end,
        function() return call:sleep(5) end,
      }
      log.notice("race after hang-up: %s", tostring(r and r.status))
      call:sleep(1)
      log.notice("never reached")
    end,

    -- A failing branch fails the call, with its file:line.
    ["6"] = function(call)
      pbx.any{
        function() call:sleep(5) end,
        function() call:sleep(0.02); local t = nil; return t.x end,
      }
      log.notice("never reached")
    end,

    -- A runaway branch ends the call.
    ["7"] = function(call)
      pbx.all{
        function() call:sleep(0.01); while true do end end,
      }
    end,

    -- Races do not nest, and take only functions.
    ["8"] = function(call)
      local ok, err = pcall(pbx.any, { 42 })
      log.notice("not a function: %s", err)
      pbx.any{ function() return pbx.any{ function() end } end }
    end,
  },
}

tests = {
  { name = "pbx.any: the first to return wins", call = "1", expect = "hangup:normal",
    log = "any: branch 2, status ok" },
  { name = "pbx.any: a timer beats a ringing dial, whose leg is cancelled", call = "2",
    expect = { "ringing", "hangup:busy" }, legs = { ring = "call hangup:cancelled" },
    log = "any: branch 2 says gave up 42" },
  { name = "pbx.all: every branch's first result, in order", call = "3",
    expect = { "ringing", "hangup:normal" },
    log = "all: ok, second, busy" },
  { name = "pbx.any: a branch that returns at once, with several values", call = "4",
    expect = "hangup:normal", log = "any: 2 -> 1 two 3" },
  { name = "pbx.any: the caller hangs up, every branch stops", call = "5", hangup_after = 0.1,
    expect = { "answer" }, legs = { ring = "call hangup:cancelled" },
    log = { "race after hang-up: hangup", "stopped at its next wait" }, nolog = "never reached" },
  { name = "a failing branch fails the call with file:line", call = "6", expect = "hangup:failure",
    log = { "race.lua:64:", "attempt to index" }, nolog = "never reached" },
  { name = "a runaway branch ends the call", call = "7", expect = "hangup:failure",
    log = "ran over its budget" },
  { name = "races take functions and do not nest", call = "8", expect = "hangup:failure",
    log = { "not a function: ", "entry 1 is a number", "must run in a call's own coroutine" } },
}
