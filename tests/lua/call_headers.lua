-- call_headers.lua: call.headers, the incoming request's headers as the
-- technology handed them over (sg_call_params.headers): case-insensitive
-- names, the first value of a repeated header, h.all(name) for every value,
-- pairs(), read-only, and the core's limits (64 headers, 4 KB).

settings { dialplan = { default_context = "office" } }

extensions = {
  office = {
    ["1"] = function(call)
      local h = call.headers
      log.notice("ua=%s pai=%s tag=%s TAG=%s none=%s", h["user-agent"], h["P-Asserted-Identity"],
                 h["x-tag"], h["X-TAG"], tostring(h["x-none"]))
      log.notice("all=%s n=%d empty=%d method=%d", table.concat(h.all("x-tag"), ","), #h:all("X-Tag"),
                 #h.all("x-none"), #h.all("X-TAG"))
      log.notice("same=%s", tostring(call.headers == h))
      -- all() hands out a copy: changing it changes nothing
      local list = h.all("x-tag")
      list[1] = "changed"
      log.notice("still=%s", h["x-tag"])
      local names = {}
      for name, value in pairs(h) do names[#names + 1] = name .. "=" .. value end
      table.sort(names)
      log.notice("pairs=%s", table.concat(names, " "))
      log.notice("set=%s", select(2, pcall(function() h["x-tag"] = "no" end)))
      log.notice("mt=%s", tostring(getmetatable(h)))
      log.notice("badkey=%s", tostring(h[42]))
      local ok, err = pcall(setmetatable, h, {})
      log.notice("setmt=%s", tostring(ok))
    end,
    -- routing on a header
    ["2"] = function(call)
      if call.headers["x-route"] == "gold" then call:hangup("busy") else call:hangup("notfound") end
    end,
    -- no headers at all (a technology that gives none)
    ["3"] = function(call)
      local n = 0
      for _ in pairs(call.headers) do n = n + 1 end
      log.notice("none: n=%d ua=%s all=%d", n, tostring(call.headers["user-agent"]), #call.headers.all("via"))
    end,
    -- the limits: how many arrived
    ["4"] = function(call)
      local n = 0
      for _, v in ipairs(call.headers.all("x-n")) do n = n + 1 end
      log.notice("kept=%d last=%s big=%s", n, call.headers.all("x-n")[n], tostring(call.headers["x-big"] ~= nil))
    end,
  },
}

local many = {}
for i = 1, 70 do many[i] = { "X-N", tostring(i) } end
local big = { { "X-N", "1" }, { "X-Big", string.rep("b", 5000) }, { "X-N", "after" } }

tests = {
  { name = "names in any case, the first of a repeated header, all(), pairs, read-only", call = "1",
    headers = { { "Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1" }, { "User-Agent", "Phone/2.1" },
                { "X-Tag", "one" }, { "P-Asserted-Identity", "<sip:+15551234@example.com>" },
                { "x-TAG", "two" } },
    expect = "hangup:normal",
    log = { "ua=Phone/2.1 pai=<sip:+15551234@example.com> tag=one TAG=one none=nil",
            "all=one,two n=2 empty=0 method=2", "same=true", "still=one",
            "pairs=p-asserted-identity=<sip:+15551234@example.com> user-agent=Phone/2.1 "
              .. "via=SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1 x-tag=one",
            "call.headers is read-only", "mt=call.headers", "badkey=nil", "setmt=false" } },
  { name = "routing on a header: gold", call = "2", headers = { { "X-Route", "gold" } },
    expect = "hangup:busy" },
  { name = "routing on a header: anything else", call = "2", headers = { { "X-Route", "tin" } },
    expect = "hangup:notfound" },
  { name = "a call with no headers: an empty call.headers", call = "3",
    expect = "hangup:normal", log = "none: n=0 ua=nil all=0" },
  { name = "at most 64 headers are kept, in order", call = "4", headers = many,
    expect = "hangup:normal", log = { "kept=64 last=64 big=false", "64 of the request's 70 headers are kept" } },
  { name = "at most 4 KB: the header that does not fit ends the list", call = "4", headers = big,
    expect = "hangup:normal", log = "kept=1 last=1 big=false" },
}
