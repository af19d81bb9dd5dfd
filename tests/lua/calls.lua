-- calls.lua: the coroutine-per-call machinery on the real core, with Test phones.

settings { dialplan = { max_instructions = 200000, max_memory_mb = 32, default_context = "office" } }

users { ["1000"] = { name = "Alice", password = "x", context = "office" } }

extensions = {
  office = {
    ["100"] = function(call)
      call:answer()
      log.notice("hello from %s to %s in %s", call.from, call.to, call.context)
      call:hangup()
    end,

    -- Waits yield: the sleep resumes from a timer, then the script goes on.
    ["101"] = function(call)
      call:ringing()
      local r = call:sleep(0.05)
      log.notice("slept: %s", r.status)
      call:answer()
    end,

    -- The caller hangs up during the sleep: the wait ends with status "hangup",
    -- and the next wait ends the coroutine whatever the script does.
    ["102"] = function(call)
      call:answer()
      local r = call:sleep(10)
      log.notice("after sleep: %s", r.status)
      call:sleep(10)
      log.notice("never reached")
    end,

    -- A runaway loop ends that call, even inside pcall.
    ["103"] = function(call)
      call:answer()
      pcall(function() while true do end end)
      while true do pcall(function() while true do end end) end
    end,

    -- A Lua error hangs up with failure and logs file:line.
    ["104"] = function(call)
      call:answer()
      local t = nil
      return t.field
    end,

    -- Cleanup runs: <close> variables and call:defer functions, on hang-up too.
    ["105"] = function(call)
      call:defer(function(c) log.notice("deferred ran for %s", c.id) end)
      local guard <close> = setmetatable({}, { __close = function() log.notice("closed ran") end })
      call:answer()
      call:sleep(10)
    end,

    -- Per-call variables and read-only fields.
    ["106"] = function(call)
      call.vars.greeting = "hi"
      log.notice("var=%s", call.vars.greeting)
      local ok, err = pcall(function() call.to = "999" end)
      log.notice("set field: %s", err)
      call:hangup("busy")
    end,

    -- Patterns: the narrowest wins; '.' takes the rest.
    ["_2XX"] = function(call) log.notice("matched _2XX for %s", call.to); call:hangup("rejected") end,
    ["_20X"] = function(call) log.notice("matched _20X for %s", call.to); call:hangup("congestion") end,
    ["_3."] = function(call) log.notice("matched _3. for %s", call.to); call:hangup("notfound") end,

    -- coroutine.yield outside a coroutine of your own is refused, not a hang.
    ["107"] = function(call)
      coroutine.yield()
    end,

    -- Waiting from inside a coroutine of your own is an error with a reason.
    ["108"] = function(call)
      local co = coroutine.wrap(function() call:sleep(1) end)
      co()
    end,

    -- The memory cap holds: a runaway allocation fails that call only.
    ["109"] = function(call)
      local t = {}
      for i = 1, 1e6 do t[i] = string.rep("x", 1000000) .. i end
    end,

    -- Answer after the caller hung up returns false, "hangup".
    ["110"] = function(call)
      call:sleep(0.2)
      local ok, why = call:answer()
      log.notice("answer after hangup: %s %s", tostring(ok), tostring(why))
    end,

    -- print() goes to the log with file:line.
    ["111"] = function(call) print("printed", 42); call:hangup() end,

    -- A technology without redirect says so instead of failing the call.
    ["112"] = function(call)
      local ok, why = call:redirect("sip:1001@192.0.2.7")
      log.notice("redirect: %s %s", tostring(ok), tostring(why))
      call:hangup("rejected")
    end,

    -- Hooks: on_hangup runs when the caller hangs up, during the wait.
    ["113"] = function(call)
      call.on_hangup = function(c, info) log.notice("on_hangup %s cause=%s", c.id, info.cause) end
      assert(type(call.on_hangup) == "function")
      call:answer()
      call:sleep(10)
    end,

    -- Only hooks can be set, and only to functions; a failing hook is logged, the
    -- call carries on; a hook cannot wait.
    ["114"] = function(call)
      local ok, err = pcall(function() call.on_hold = 42 end)
      log.notice("hook number: %s", err)
      ok, err = pcall(function() call.on_holdd = function() end end)
      log.notice("hook typo: %s", err)
      call.on_hangup = function(c) error("boom in hook") end
      call:answer()
      call:sleep(10)
    end,
    ["115"] = function(call)
      call.on_hangup = function(c) c:sleep(1) end
      call:answer()
      call:sleep(10)
    end,
    ["116"] = function(call)
      call.on_hangup = function(c) log.notice("should not run") end
      call.on_hangup = nil
      call:answer()
      call:sleep(10)
    end,
    -- A one-line endless loop is logged at its own line, not the one above.
    ["117"] = function(call)
      log.notice("looping")
      while true do end
    end,
  },
  other = {
    ["100"] = function(call) log.notice("other context"); call:hangup("rejected") end,
  },
}

tests = {
  { name = "answer, log, hang up", call = "100", from = "1000",
    expect = { "answer", "hangup:normal" }, log = "hello from 1000 to 100 in office" },
  { name = "user's context is used when none is given", call = "100", from = "1000",
    expect = { "answer", "hangup:normal" } },
  { name = "explicit context", call = "100", context = "other",
    expect = "hangup:rejected", log = "other context" },
  { name = "sleep yields and resumes", call = "101",
    expect = { "ringing", "answer", "hangup:normal" }, log = "slept: ok" },
  { name = "hang-up during a wait ends the coroutine", call = "102", hangup_after = 0.05,
    expect = "answer", log = { "after sleep: hangup", "stopped at its next wait" },
    nolog = "never reached" },
  { name = "runaway loop is stopped, even in pcall, and logged at its own line", call = "103",
    expect = { "answer", "hangup:failure" }, log = "calls.lua:36: ran over its budget" },
  { name = "a one-line runaway loop is logged at its own line", call = "117",
    expect = "hangup:failure", log = "calls.lua:136: ran over its budget" },
  { name = "Lua error hangs up with file:line", call = "104",
    expect = { "answer", "hangup:failure" }, log = { "calls.lua:44:", "attempt to index" } },
  { name = "<close> and defer run on hang-up", call = "105", hangup_after = 0.05,
    expect = "answer", log = { "closed ran", "deferred ran for C-" } },
  { name = "call.vars and read-only fields", call = "106",
    expect = "hangup:busy", log = { "var=hi", "cannot be set" } },
  { name = "narrowest pattern wins", call = "205", expect = "hangup:congestion", log = "matched _20X" },
  { name = "wider pattern", call = "215", expect = "hangup:rejected", log = "matched _2XX" },
  { name = "dot pattern", call = "3999", expect = "hangup:notfound", log = "matched _3." },
  { name = "no extension", call = "999", expect = "start:notfound", log = "no extension '999'" },
  { name = "bare coroutine.yield is refused", call = "107", expect = "hangup:failure",
    log = "coroutine.yield() outside" },
  { name = "waiting inside your own coroutine is an error", call = "108", expect = "hangup:failure",
    log = "own coroutine" },
  { name = "memory cap fails only that call", call = "109", expect = "hangup:failure",
    log = "not enough memory", timeout = 20 },
  { name = "answer after hang-up says so", call = "110", hangup_after = 0.01, expect = "",
    log = "answer after hangup: false hangup" },
  { name = "print goes to the log", call = "111", expect = "hangup:normal", log = "calls.lua:94: printed\t42" },
  { name = "call:redirect on a technology that cannot", call = "112", expect = "hangup:rejected",
    log = "redirect: false Operation not supported" },
  { name = "on_hangup hook runs when the caller hangs up", call = "113", hangup_after = 0.05,
    expect = "answer", log = { "on_hangup C-", "cause=normal" } },
  { name = "hooks: type errors, a failing hook is logged", call = "114", hangup_after = 0.05,
    expect = "answer", log = { "hook number: ", "must be a function", "hook typo: ",
    "on_transfer, on_hold and on_hangup", "on_hangup failed", "boom in hook" } },
  { name = "a hook cannot wait", call = "115", hangup_after = 0.05, expect = "answer",
    log = "on_hangup cannot wait" },
  { name = "a hook set to nil is gone", call = "116", hangup_after = 0.05, expect = "answer",
    nolog = "should not run" },
  { name = "pbx.exists uses the C matcher", run = function()
      assert(pbx.exists("office", "100"))
      assert(pbx.exists("office", "250"))
      assert(not pbx.exists("office", "999"))
      assert(not pbx.exists("nosuch", "100"))
    end },
  { name = "pbx.user reads users{}", run = function()
      local u = pbx.user("1000")
      assert(u and u.name == "Alice" and u.context == "office", "user 1000")
      assert(pbx.user("4242") == nil)
    end },
  { name = "sandbox: no os.exit or os.execute", run = function()
      assert(os.exit == nil and os.execute == nil and io.popen == nil)
      assert(debug.sethook == nil and debug.traceback ~= nil)
    end },
}
