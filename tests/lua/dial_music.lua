-- dial_music.lua: call:dial{music=...} on the real core with Test legs (see
-- tests/modules/chan_test.c): the option is checked before anything rings
-- (a class is a folder name under sounds/moh/; true means "default"), and a
-- caller without RTP media (a Test leg) is answered, told why there is no
-- music, and gets ringback as without the option (for a caller that is up, the
-- in-band tone, which a leg without RTP cannot have either: the log says so);
-- the dial goes on as usual.

settings { dialplan = { default_context = "office" } }

local function dial(...)
  local args = table.pack(...)
  return function(call)
    local r = call:dial(table.unpack(args, 1, args.n))
    log.notice("dial: status=%s cause=%s", r.status, r.cause)
  end
end

extensions = {
  office = {
    ["1"] = dial("Test/hangup:50", { music = "default" }),
    ["2"] = dial{ "Test/hangup:50", music = true },
    ["3"] = dial{ "Test/hangup:50", music = false },
    ["4"] = dial{ "Test/busy:20", music = "jazz" },
    -- mistakes: a Lua error, nothing rings
    ["10"] = dial{ "Test/ring", mucis = "default" },
    ["11"] = dial{ "Test/ring", music = 5 },
    ["12"] = dial{ "Test/ring", music = "../etc" },
    ["13"] = dial{ "Test/ring", music = "a/b" },
    ["14"] = dial{ "Test/ring", music = "" },
    ["15"] = dial{ "Test/ring", music = string.rep("x", 65) },
  },
}

local function mistake(n, name, message)
  return { name = name, call = n, expect = "hangup:failure", log = message, nolog = "dial: status" }
end

tests = {
  { name = "music = \"default\": a caller without RTP is answered, then gets the in-band ringback", call = "1",
    expect = { "answer", "hangup:normal" },
    log = { "no music while dialling (the caller's leg has no RTP media): ringback instead",
            "no ringback tone for Test/test-", "dial: status=answered cause=normal" } },
  { name = "music = true is the default class", call = "2", expect = { "answer", "hangup:normal" },
    log = "no music while dialling" },
  { name = "music = false: ringback as without the option", call = "3", expect = { "ringing", "answer", "hangup:normal" },
    nolog = "no music while dialling", log = "dial: status=answered" },
  { name = "music with a busy callee: the dial ends as usual", call = "4",
    expect = { "answer", "hangup:normal" }, log = "dial: status=busy cause=busy" },
  mistake("10", "a misspelt option: did you mean music", "unknown option 'mucis' (did you mean 'music'?)"),
  mistake("11", "music is not a string", "music: a music on hold class"),
  mistake("12", "music names a folder outside sounds/moh", "music: a music on hold class"),
  mistake("13", "music with a slash", "music: a music on hold class"),
  mistake("14", "an empty music class", "music: a music on hold class"),
  mistake("15", "a music class too long", "music: a music on hold class"),
}
