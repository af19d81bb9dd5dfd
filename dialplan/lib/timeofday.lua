-- timeofday.lua: opening hours. office_hours(spec [, time]) says whether `time`
-- (os.time() by default, local time) falls in the hours of `spec`:
--
--   local timeofday = require "timeofday"
--   local hours = timeofday.check{
--     days = "mon-fri", from = "08:30", to = "18:00",      -- one period...
--     { days = "sat", from = "09:00", to = "12:00" },      -- ...or more, listed
--     holidays = { "12-25", "01-01", "2026-04-06" },       -- every year, or once
--   }
--   if timeofday.office_hours(hours) then ... else call:playback("office-closed") end
--   timeofday.office_hours(hours, os.time{ year = 2026, month = 12, day = 7, hour = 9 })  -- tests
--
-- days: "mon-fri", "sat,sun", "mon,wed-fri", "fri-mon" (wraps), "" or absent:
-- every day. from/to: "HH:MM", `to` excluded; from later than to spans midnight
-- ("22:00" to "06:00"). check() raises an error naming the field at fault, so a
-- typo stops the dialplan from loading instead of closing the office.

local M = {}

local daynum = { sun = 1, mon = 2, tue = 3, wed = 4, thu = 5, fri = 6, sat = 7 } -- os.date's wday

local function parse_days(s, where)
  local set = {}
  if s == nil or s == "" then
    for d = 1, 7 do set[d] = true end
    return set
  end
  for part in tostring(s):gmatch("[^,]+") do
    local a, b = part:match("^%s*(%a+)%s*%-%s*(%a+)%s*$")
    a, b = a or part:match("^%s*(%a+)%s*$"), b
    local da, db = daynum[(a or ""):lower():sub(1, 3)], daynum[(b or a or ""):lower():sub(1, 3)]
    if not da or not db then
      error(("%sdays: '%s' is not a day or a range such as mon-fri"):format(where, part), 0)
    end
    local d = da
    while true do
      set[d] = true
      if d == db then break end
      d = d % 7 + 1
    end
  end
  return set
end

local function parse_hhmm(s, where, field)
  local h, m = tostring(s):match("^(%d%d?):(%d%d)$")
  h, m = tonumber(h), tonumber(m)
  if not h or h > 24 or m > 59 or (h == 24 and m > 0) then
    error(("%s%s: '%s' is not a time such as 08:30"):format(where, field, tostring(s)), 0)
  end
  return h * 60 + m
end

local function period(p, where)
  return { days = parse_days(p.days, where), from = parse_hhmm(p.from or "00:00", where, "from"),
           to = parse_hhmm(p.to or "24:00", where, "to") }
end

-- Checks a spec and returns it compiled (office_hours takes either form).
function M.check(spec)
  if type(spec) ~= "table" then error("office hours: a table such as { days = \"mon-fri\", ... }", 2) end
  if spec.compiled then return spec end
  local c = { compiled = true, periods = {}, holidays = {} }
  if spec.days or spec.from or spec.to then c.periods[1] = period(spec, "office hours: ") end
  for i, p in ipairs(spec) do c.periods[#c.periods + 1] = period(p, ("office hours[%d]: "):format(i)) end
  if #c.periods == 0 then error("office hours: no period (days, from, to)", 2) end
  for _, h in ipairs(spec.holidays or {}) do
    if not (tostring(h):match("^%d%d%d%d%-%d%d%-%d%d$") or tostring(h):match("^%d%d%-%d%d$")) then
      error(("office hours: holiday '%s' is not YYYY-MM-DD or MM-DD"):format(tostring(h)), 2)
    end
    c.holidays[h] = true
  end
  return c
end

function M.office_hours(spec, time)
  local c = M.check(spec)
  local t = os.date("*t", time or os.time())
  if c.holidays[os.date("%Y-%m-%d", time)] or c.holidays[os.date("%m-%d", time)] then
    return false, "holiday"
  end
  local minute = t.hour * 60 + t.min
  local yesterday = (t.wday + 5) % 7 + 1
  for _, p in ipairs(c.periods) do
    if p.from < p.to then
      if p.days[t.wday] and minute >= p.from and minute < p.to then return true end
    elseif p.from > p.to then -- spans midnight: the evening of its day, the morning after
      if (p.days[t.wday] and minute >= p.from) or (p.days[yesterday] and minute < p.to) then return true end
    end
  end
  return false, "closed"
end

return M
