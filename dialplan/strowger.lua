-- strowger.lua: the default configuration and dialplan, started by `make run`.
-- One Lua file holds both: settings{} and users{} declare the PBX, the
-- `extensions` table routes calls. Each call runs its extension's function as a
-- coroutine, so waiting (call:sleep, call:dial, ...) reads top to bottom.
-- Reload after editing with `strowger -x "dialplan reload"` (or SIGHUP); a broken
-- file is refused and the running dialplan stays.

settings {
  modules = { "chan_sip", "res_example" }, -- loaded at start, in dependency order
  sip = {
    -- Phones register here with the users below (digest MD5; add
    -- auth_algorithms = { "SHA-256", "MD5" } to offer SHA-256 too).
    listen = { "udp:127.0.0.1:5060", "tcp:127.0.0.1:5060" },
    realm = "strowger",
    -- TLS (see the README): add "tls:127.0.0.1:5061" to listen, and
    -- tls_cert = "/etc/strowger/tls/pbx.pem", tls_key = "/etc/strowger/tls/pbx.key",
  },
  log = { level = "notice" },       -- error, warning, notice, info or debug
  console = { mode = "0660" },      -- socket: DATA_DIR/strowger.ctl unless set here
  media = { workers = 0 },          -- 0: one media thread per core beyond the first
  dialplan = { default_context = "default" },
  example = { greeting = "Hello" }, -- read by res_example
}

-- Demo users: change these passwords before the PBX faces a network.
users {
  ["1000"] = { name = "Alice", password = "alice-demo-1000", context = "office" },
  ["1001"] = { name = "Bob",   password = "bob-demo-1001",   context = "office" },
  ["1002"] = { name = "Carol", password = "carol-demo-1002", context = "office" },
}

extensions = {
  office = {
    -- *43: echo test. After the beep, say something (up to 5 s, or press #);
    -- the PBX plays it back, so you hear your line both ways.
    ["*43"] = function(call)
      call:answer()
      log.notice("%s is testing the line", call.from)
      local r = call:record("echo-" .. call.from .. ".wav", { beep = true, max = 5, silence = 2 })
      if r.status == "error" then
        log.notice("echo test: %s", r.error)   -- a console test call has no audio
        call:sleep(2)
      elseif r.status ~= "hangup" then
        call:playback(r.path, { stop = "" })
      end
      call:hangup()
    end,

    -- Internal extensions 1000-1099: ring every phone the user registered.
    ["_10XX"] = function(call)
      log.info("%s calls %s", call.from, call.to)
      -- Media goes through the PBX (RTP relay); add record = "name.wav" to keep
      -- the conversation in the data folder.
      local r = call:dial(call.to, { timeout = 30 })
      if r.status ~= "answered" and r.status ~= "hangup" then
        log.info("%s did not answer: %s", call.to, r.status)
        call:hangup(r.cause)   -- busy -> 486, unavailable -> 480, ...
      end
    end,
  },

  default = {
    ["_X."] = function(call)
      log.notice("call from %s to %s: no route in context 'default'", call.from, call.to)
      call:hangup("notfound")
    end,
  },
}
