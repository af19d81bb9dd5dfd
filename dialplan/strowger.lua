-- strowger.lua: the default configuration and dialplan, started by `make run`:
-- a small office. One Lua file holds both: settings{} and users{} declare the
-- PBX, the `extensions` table routes calls. Each call runs its extension's
-- function as a coroutine, so waiting (call:dial, call:playback, ...) reads top to
-- bottom. Reload after editing with `strowger -x "dialplan reload"` (or SIGHUP);
-- a broken file is refused and the running dialplan stays.
--
-- What it does (the README has the passwords for trying it with a softphone):
--   100-109   the staff; calling one rings their phones, with their forwards,
--             do-not-disturb and find-me (user 100, the reception, has find-me)
--   600       sales ring group (101-103 ring together)
--   601       support hunt group (104, then 105)
--   500       the main menu, as an outside caller hears it
--   *78 / *79 do-not-disturb on / off for your own extension
--   *72NNN    forward all your calls to NNN; *73 stops it
--   *43       echo test
--   *97 / *98 voicemail: your own box / any box (the PIN of each box is below)
-- Calls from the provider (user "trunk", context "from-trunk") to the main
-- number 5551000 hear the menu during office hours and "our office is closed"
-- outside them. The office library is in dialplan/lib (docs/dialplan.md, "The
-- office library"); the prompts are in sounds/en.

local findme = require "findme"       -- find-me / follow-me steps from users{}
local forward = require "forward"     -- call forwarding (always, busy, no answer)
local dnd = require "dnd"             -- do-not-disturb
local ivr = require "ivr"             -- voice menus
local timeofday = require "timeofday" -- opening hours

-- Change these for your office.
local MAIN_NUMBER = "5551000"         -- the number callers from outside dial
local OFFICE_HOURS = timeofday.check {
  days = "mon-fri", from = "08:30", to = "18:00",
  holidays = { "01-01", "12-25", "12-26" },  -- MM-DD every year, or YYYY-MM-DD once
}
local RECEPTION_MOBILE = "sip:100@127.0.0.1:5099"  -- where find-me reaches the reception's mobile

-- Every user has a voicemail box; its PIN for *97 / *98 (demo PINs: 1 and the
-- extension, so 1101 for 101; the owner can change it from the mailbox menu).
local VOICEMAIL_BOXES = {}
for ext = 100, 109 do VOICEMAIL_BOXES[tostring(ext)] = { pin = "1" .. ext } end

settings {
  modules = { "chan_sip", "app_voicemail", "res_example" }, -- loaded at start, in dependency order
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
  voicemail = { max_messages = 50, max_seconds = 180, boxes = VOICEMAIL_BOXES }, -- docs/voicemail.md
}

-- The staff. Demo passwords: change them before the PBX faces a network.
-- vars are read by the office library: findme (steps, as call:dial's `steps`),
-- forward (always / busy / noanswer, timeout), dnd (on at start).
users {
  ["100"] = { name = "Reception", password = "office-100", context = "office", vars = {
    findme = {
      { "100", timeout = 15 },                                          -- the desk phone
      { "100", { RECEPTION_MOBILE, confirm = true }, timeout = 20 },    -- desk and mobile;
    },                                                                  -- the mobile presses 1
  } },
  ["101"] = { name = "Alice (sales)", password = "office-101", context = "office",
              vars = { forward = { noanswer = "102", timeout = 20 } } },
  ["102"] = { name = "Bob (sales)", password = "office-102", context = "office" },
  ["103"] = { name = "Carol (sales)", password = "office-103", context = "office",
              vars = { forward = { busy = "101" } } },
  ["104"] = { name = "Dave (support)", password = "office-104", context = "office" },
  ["105"] = { name = "Erin (support)", password = "office-105", context = "office" },
  ["106"] = { name = "Frank", password = "office-106", context = "office" },
  ["107"] = { name = "Grace", password = "office-107", context = "office" },
  ["108"] = { name = "Heidi", password = "office-108", context = "office" },
  ["109"] = { name = "Ivan", password = "office-109", context = "office" },
  -- The telephone provider's side: its calls start in "from-trunk".
  ["trunk"] = { name = "Provider", password = "trunk-secret", context = "from-trunk" },
}

-- Rings a member of staff the way every call to them goes: do-not-disturb first,
-- then their forwards, find-me steps (or simply their phones), and when nobody
-- answers, their voicemail (findme.unavailable).
local function ring_user(call, id)
  local r = forward.ring(call, id, function(call, id)
    if dnd.active(id) then
      log.info("%s is on do-not-disturb", id)
      return { status = "busy", cause = "busy" }   -- so a forward on busy applies
    end
    return findme.dial(call, id, { timeout = forward.timeout_of(id) })
  end)
  if findme.unanswered[r.status] then findme.unavailable(call, id, r) end
  return r
end

-- A ring group: its members without do-not-disturb, together (or one by one).
local function ring_group(call, members, opts)
  local targets = dnd.filter(members)
  if #targets == 0 then return findme.unavailable(call, "group", { status = "busy", cause = "busy" }) end
  local r = call:dial(targets, opts)
  if findme.unanswered[r.status] then findme.unavailable(call, "group", r) end
  return r
end

local SALES = { "101", "102", "103" }
local SUPPORT = { "104", "105" }

-- The main menu: 1 sales, 2 support, 0 the operator (the reception).
local function main_menu(call)
  if not timeofday.office_hours(OFFICE_HOURS) then
    log.info("call from %s outside office hours", call.from)
    call:playback("office-closed", { stop = "" })
    return findme.unavailable(call, "office", { status = "closed", cause = "unavailable" })
  end
  ivr.menu(call, {
    prompt = "welcome",
    options = {
      ["1"] = function(call) return ring_group(call, SALES, { timeout = 20 }) end,
      ["2"] = function(call) return ring_group(call, SUPPORT, { strategy = "sequential", timeout = 15 }) end,
      ["0"] = function(call) return ring_user(call, "100") end,
    },
    retries = 3, timeout = 5, invalid = "invalid-option",
  })
end

extensions = {
  office = {
    ["_10X"] = function(call) ring_user(call, call.to) end,
    ["0"] = function(call) ring_user(call, "100") end,
    ["600"] = function(call) ring_group(call, SALES, { timeout = 20 }) end,
    ["601"] = function(call) ring_group(call, SUPPORT, { strategy = "sequential", timeout = 15 }) end,
    ["500"] = main_menu,

    -- Feature codes, for the caller's own extension.
    ["*78"] = function(call) dnd.feature(call, true) end,
    ["*79"] = function(call) dnd.feature(call, false) end,
    ["_*72X."] = function(call)
      local dest = call.to:sub(4)
      forward.set(call.from, "always", dest)
      log.notice("%s forwards every call to %s", call.from, dest)
      call:answer()
      call:playback("forward-on", { stop = "" })
    end,
    ["*73"] = function(call)
      forward.set(call.from, "always", nil)
      call:answer()
      call:playback("forward-off", { stop = "" })
    end,

    -- Voicemail: *97 opens your own box, *98 asks which box; both ask its PIN.
    ["*97"] = function(call) call:voicemail_main(call.from) end,
    ["*98"] = function(call) call:voicemail_main() end,

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
  },

  -- Calls from the provider: the main number gets the menu; anything else is
  -- not ours.
  ["from-trunk"] = {
    [MAIN_NUMBER] = main_menu,
    ["_X."] = function(call)
      log.notice("call from the trunk to %s: not a number of ours", call.to)
      call:hangup("notfound")
    end,
  },

  default = {
    ["_X."] = function(call)
      log.notice("call from %s to %s: no route in context 'default'", call.from, call.to)
      call:hangup("notfound")
    end,
  },
}
