-- ficus.lua - ficus router protocol v1 for nginx + lua-nginx-module.
--
-- Load it with   lua_package_path "/path/to/contrib/nginx/?.lua;;";
-- and preload it in init_by_lua_block { require "ficus" } so that worker
-- processes never need to read the file themselves.
--
-- Public functions (see man/ficus-routers.7 and nginx.conf.example):
--   ficus.admin(opts)        content handler for the v1 admin API
--   ficus.route(flag, opts)  rewrite/access phase: choose new or old side
--   ficus.log(opts)          log phase: count the request for /metrics
--   ficus.metrics(opts)      content handler: Prometheus text exposition
--   ficus.bucket(flag, tenant), ficus.tenant(), ficus.get(flag, dict),
--   ficus.put(flag, bp, shadow, rev, dict [, compare])
--   ficus.compare_answers(old, new, ignore, max_body)   shadow compare rule
--
-- Flags live in a lua_shared_dict (default "ficus_flags") as strings
-- "bp|shadow|rev" under the key "f:<flag>", so every worker sees the same
-- value.  A flag with tenant pins is "bp|shadow|rev|nin|nout", and its
-- pins are keys of that revision: "p:<flag>:<rev>:<tenant>" = "i" or "o"
-- (one lookup per request) and the lists "P:<flag>:<rev>" (for GET).  A
-- PUT writes the new revision's pins before it switches the flag's entry,
-- so a reader sees the old pins or the new ones, never a mix; the old
-- revision's pins expire a few seconds later (requests in flight).  The dict is in memory only: after a restart the routers start
-- empty (bp 0 = everything to the monolith) until ficus pushes again.
--
-- No dependency beyond lua-nginx-module itself: the small JSON reader and
-- writer below only need to handle the v1 schema, so lua-cjson is not used.

local ngx = ngx
local bit = require "bit"

local type, tonumber, tostring, pairs, ipairs, error, pcall = type, tonumber, tostring, pairs, ipairs, error, pcall
local setmetatable, getmetatable = setmetatable, getmetatable
local floor = math.floor
local concat, sort = table.concat, table.sort
local byte, char, sub, find, match, gmatch, format =
    string.byte, string.char, string.sub, string.find, string.match, string.gmatch, string.format

local M = {
    _VERSION = "1.0",
    PROTOCOL = "ficus router protocol v1",
    MAX_BODY = 2097152,        -- bytes accepted for a PUT body (10,000 pins of 128 bytes fit)
    MAX_BP = 10000,
    MAX_REV = 9007199254740991, -- 2^53 - 1: every rev is an exact integer
    MAX_PINS = 10000,          -- tenant pins per flag, in and out together
    MAX_TENANT = 128,          -- bytes in a pinned tenant
    PIN_GRACE = 10,            -- seconds a replaced revision's pins stay for readers in flight
}

local DEFAULT_DICT = "ficus_flags"
local DEFAULT_METRICS_DICT = "ficus_metrics"
-- request duration histogram buckets, seconds (Prometheus' defaults)
local BUCKETS = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 }
local KEY_PREFIX = "f:"
local LOCK_PREFIX = "l:"
local PIN_PREFIX = "p:"      -- p:<flag>:<rev>:<tenant> = "i" | "o"
local PINLIST_PREFIX = "P:"  -- P:<flag>:<rev> = in tenants joined by "\n", "\t", out tenants

---------------------------------------------------------------------------
-- JSON (just enough: strict RFC 8259 reader, writer for our own objects)
---------------------------------------------------------------------------

local json_null = setmetatable({}, { __tostring = function() return "null" end })
M.null = json_null
local array_mt = {}     -- marks decoded arrays, so that [] is not taken for {}

local escapes_in = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/',
    b = '\b', f = '\f', n = '\n', r = '\r', t = '\t',
}

local function utf8_encode(cp)
    if cp < 0x80 then
        return char(cp)
    elseif cp < 0x800 then
        return char(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40)
    elseif cp < 0x10000 then
        return char(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
    end
    return char(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40,
                0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local MAX_DEPTH = 32

-- json_decode(s) -> value | nil, errmsg
local function json_decode(s)
    local pos = 1
    local len = #s

    local function fail(msg)
        error({ msg = msg .. " at byte " .. pos }, 0)
    end

    local function skip_ws()
        pos = find(s, "[^ \t\r\n]", pos) or (len + 1)
    end

    local parse_value

    local function parse_string()
        local buf, n, i = {}, 0, pos + 1
        while true do
            local j = find(s, '["\\%z\1-\31]', i)
            if not j then
                pos = len + 1
                fail("unterminated string")
            end
            local c = sub(s, j, j)
            n = n + 1
            buf[n] = sub(s, i, j - 1)
            if c == '"' then
                pos = j + 1
                return concat(buf)
            elseif c ~= '\\' then
                pos = j
                fail("control character in string")
            end
            local e = sub(s, j + 1, j + 1)
            if escapes_in[e] then
                n = n + 1
                buf[n] = escapes_in[e]
                i = j + 2
            elseif e == "u" then
                local hex = match(s, "^%x%x%x%x", j + 2)
                if not hex then
                    pos = j
                    fail("bad \\u escape")
                end
                local cp = tonumber(hex, 16)
                i = j + 6
                if cp >= 0xD800 and cp <= 0xDBFF then
                    local lo = match(s, "^\\u(%x%x%x%x)", i)
                    lo = lo and tonumber(lo, 16)
                    if not lo or lo < 0xDC00 or lo > 0xDFFF then
                        pos = i
                        fail("bad surrogate pair")
                    end
                    cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
                    i = i + 6
                elseif cp >= 0xDC00 and cp <= 0xDFFF then
                    pos = j
                    fail("bad surrogate pair")
                end
                n = n + 1
                buf[n] = utf8_encode(cp)
            else
                pos = j
                fail("bad escape")
            end
        end
    end

    local function parse_number()
        local start, p = pos, pos
        if sub(s, p, p) == "-" then
            p = p + 1
        end
        local int = match(s, "^%d+", p)
        if not int or (#int > 1 and sub(int, 1, 1) == "0") then
            fail("bad number")
        end
        p = p + #int
        local frac = match(s, "^%.%d+", p)
        if frac then
            p = p + #frac
        elseif sub(s, p, p) == "." then
            fail("bad number")
        end
        local exp = match(s, "^[eE][-+]?%d+", p)
        if exp then
            p = p + #exp
        elseif find(s, "^[eE]", p) then
            fail("bad number")
        end
        pos = p
        return tonumber(sub(s, start, p - 1))
    end

    local function parse_object(depth)
        local obj = {}
        pos = pos + 1
        skip_ws()
        if sub(s, pos, pos) == "}" then
            pos = pos + 1
            return obj
        end
        while true do
            if sub(s, pos, pos) ~= '"' then
                fail("expected string key")
            end
            local key = parse_string()
            if obj[key] ~= nil then
                fail("duplicate key")
            end
            skip_ws()
            if sub(s, pos, pos) ~= ":" then
                fail("expected ':'")
            end
            pos = pos + 1
            obj[key] = parse_value(depth + 1)
            skip_ws()
            local c = sub(s, pos, pos)
            pos = pos + 1
            if c == "}" then
                return obj
            elseif c ~= "," then
                pos = pos - 1
                fail("expected ',' or '}'")
            end
            skip_ws()
        end
    end

    local function parse_array(depth)
        local arr, n = setmetatable({}, array_mt), 0
        pos = pos + 1
        skip_ws()
        if sub(s, pos, pos) == "]" then
            pos = pos + 1
            return arr
        end
        while true do
            n = n + 1
            arr[n] = parse_value(depth + 1)
            skip_ws()
            local c = sub(s, pos, pos)
            pos = pos + 1
            if c == "]" then
                return arr
            elseif c ~= "," then
                pos = pos - 1
                fail("expected ',' or ']'")
            end
        end
    end

    function parse_value(depth)
        if depth > MAX_DEPTH then
            fail("nesting too deep")
        end
        skip_ws()
        local c = sub(s, pos, pos)
        if c == "{" then
            return parse_object(depth)
        elseif c == "[" then
            return parse_array(depth)
        elseif c == '"' then
            return parse_string()
        elseif c == "-" or find(c, "^%d") then
            return parse_number()
        elseif sub(s, pos, pos + 3) == "true" then
            pos = pos + 4
            return true
        elseif sub(s, pos, pos + 4) == "false" then
            pos = pos + 5
            return false
        elseif sub(s, pos, pos + 3) == "null" then
            pos = pos + 4
            return json_null
        elseif c == "" then
            fail("unexpected end of input")
        end
        fail("unexpected character")
    end

    local ok, res = pcall(function()
        local v = parse_value(1)
        skip_ws()
        if pos <= len then
            fail("trailing data")
        end
        return v
    end)
    if ok then
        return res
    end
    if type(res) == "table" then
        return nil, res.msg
    end
    return nil, tostring(res)
end
M.json_decode = json_decode

local escapes_out = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
                      ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function json_string(s)
    return '"' .. s:gsub('[%z\1-\31"\\]', function(c)
        return escapes_out[c] or format("\\u%04x", byte(c))
    end) .. '"'
end
M.json_string = json_string

-- tenant pins: '"pins":{"in":[...],"out":[...]}' (nil without pins)
local function pins_json(pins)
    if not pins or #pins["in"] + #pins.out == 0 then
        return nil
    end
    local parts = {}
    for _, side in ipairs({ "in", "out" }) do
        local q = {}
        for i, t in ipairs(pins[side]) do
            q[i] = json_string(t)
        end
        parts[#parts + 1] = json_string(side) .. ":[" .. concat(q, ",") .. "]"
    end
    return '"pins":{' .. concat(parts, ",") .. "}"
end

local compare_json  -- shadow compare section below

-- a flag object of protocol v1: "pins" when it has pins, "compare" when
-- shadow compare is on
local function flag_json(bp, shadow, rev, pins, cmp)
    local p = pins_json(pins)
    return format('{"bp":%d,"shadow":%s,"rev":%d%s%s}', bp, shadow and "true" or "false", rev,
                  p and ("," .. p) or "", cmp and (',"compare":' .. compare_json(cmp)) or "")
end

local function error_json(msg)
    return '{"error":' .. json_string(msg) .. '}'
end

---------------------------------------------------------------------------
-- flag store
---------------------------------------------------------------------------

local function valid_flag_name(name)
    return type(name) == "string" and #name <= 63
        and find(name, "^[a-z0-9][a-z0-9._%-]*$") ~= nil
end
M.valid_flag_name = valid_flag_name

-- "bp|shadow|rev" or, with pins, "bp|shadow|rev|nin|nout"
--   -> bp, shadow, rev, npins (0 without pins)
local function decode_entry(v)
    local bp, sh, rev = match(v, "^(%d+)|([01])|(%d+)$")
    local nin, nout
    if not bp then
        bp, sh, rev, nin, nout = match(v, "^(%d+)|([01])|(%d+)|(%d+)|(%d+)$")
        if not bp then
            return nil
        end
    end
    return tonumber(bp), sh == "1", tonumber(rev), (tonumber(nin) or 0) + (tonumber(nout) or 0)
end

local function get_dict(name)
    name = name or DEFAULT_DICT
    local d = ngx.shared[name]
    if not d then
        return nil, "lua_shared_dict " .. name .. " is not configured"
    end
    return d
end

---------------------------------------------------------------------------
-- tenant pins (SPEC 3): stored per revision, switched with the flag entry
---------------------------------------------------------------------------

-- a tenant as ficus pins it: 1..128 bytes of [A-Za-z0-9._~@+%-]
local function valid_tenant(t)
    return type(t) == "string" and #t >= 1 and #t <= M.MAX_TENANT
        and find(t, "^[A-Za-z0-9._~@+%%%-]+$") ~= nil
end
M.valid_tenant = valid_tenant

local function split_lines(s)
    local out = {}
    for t in gmatch(s, "[^\n]+") do
        out[#out + 1] = t
    end
    return out
end

-- the pins of flag at rev -> { ["in"] = {...}, out = {...} }
local function load_pins(d, flag, rev)
    local v = d:get(PINLIST_PREFIX .. flag .. ":" .. rev)
    if not v then
        return { ["in"] = {}, out = {} }
    end
    local tab = find(v, "\t", 1, true) or (#v + 1)
    return { ["in"] = split_lines(sub(v, 1, tab - 1)), out = split_lines(sub(v, tab + 1)) }
end

-- remove the pins of flag at rev: at once (grace nil) or after `grace` seconds
local function drop_pins(d, flag, rev, grace)
    local pins = load_pins(d, flag, rev)
    local base = PIN_PREFIX .. flag .. ":" .. rev .. ":"
    local keys = {}
    for _, side in ipairs({ "in", "out" }) do
        for _, t in ipairs(pins[side]) do
            keys[#keys + 1] = base .. t
        end
    end
    keys[#keys + 1] = PINLIST_PREFIX .. flag .. ":" .. rev
    for _, k in ipairs(keys) do
        if grace then
            d:expire(k, grace)
        else
            d:delete(k)
        end
    end
end

-- write the pins of flag at rev -> true | nil, err (nothing left behind on failure)
local function store_pins(d, flag, rev, pins)
    local base = PIN_PREFIX .. flag .. ":" .. rev .. ":"
    local written = {}
    local function undo(err)
        for _, k in ipairs(written) do
            d:delete(k)
        end
        return nil, err
    end
    for _, side in ipairs({ "in", "out" }) do
        local v = side == "in" and "i" or "o"
        for _, t in ipairs(pins[side]) do
            local ok, err = d:safe_set(base .. t, v)
            if not ok then
                return undo(err)
            end
            written[#written + 1] = base .. t
        end
    end
    local ok, err = d:safe_set(PINLIST_PREFIX .. flag .. ":" .. rev,
                               concat(pins["in"], "\n") .. "\t" .. concat(pins.out, "\n"))
    if not ok then
        return undo(err)
    end
    return true
end

-- ficus.pins(flag [, dict]) -> { ["in"] = {...}, out = {...} } (empty lists without pins)
function M.pins(flag, dictname)
    local d, err = get_dict(dictname)
    if not d then
        return nil, err
    end
    local v = d:get(KEY_PREFIX .. flag)
    local _, _, rev, npins
    if v then
        _, _, rev, npins = decode_entry(v)
    end
    if not rev or npins == 0 then
        return { ["in"] = {}, out = {} }
    end
    return load_pins(d, flag, rev)
end

-- validate the "pins" member of a PUT body -> pins | nil, errmsg
local function validate_pins(p)
    if p == nil then
        return { ["in"] = {}, out = {} }
    end
    if type(p) ~= "table" or p == json_null or getmetatable(p) == array_mt then
        return nil, "pins must be an object with \"in\" and \"out\" lists"
    end
    for k in pairs(p) do
        if k ~= "in" and k ~= "out" then
            return nil, "pins has an unknown member"
        end
    end
    local seen, n, out = {}, 0, {}
    for _, side in ipairs({ "in", "out" }) do
        local l = p[side]
        if l == nil then
            l = setmetatable({}, array_mt)
        end
        if type(l) ~= "table" or getmetatable(l) ~= array_mt then
            return nil, "pins." .. side .. " must be a list of tenants"
        end
        for _, t in ipairs(l) do
            if not valid_tenant(t) then
                return nil, "pins." .. side .. " holds an invalid tenant (1..128 of A-Z a-z 0-9 . _ ~ @ + % -)"
            end
            if seen[t] then
                return nil, "tenant " .. t .. " is pinned twice"
            end
            seen[t] = true
            n = n + 1
        end
        out[side] = l
    end
    if n > M.MAX_PINS then
        return nil, "more than 10000 pins"
    end
    return out
end

-- ficus.get(flag [, dict]) -> bp, shadow, rev   (nil when unknown)
function M.get(flag, dictname)
    local d, err = get_dict(dictname)
    if not d then
        return nil, err
    end
    local v = d:get(KEY_PREFIX .. flag)
    if not v then
        return nil
    end
    return decode_entry(v)
end

local function lock(d, flag)
    local key = LOCK_PREFIX .. flag
    for _ = 1, 500 do
        -- the 1 s expiry frees the lock if a worker dies while holding it
        local ok, err = d:add(key, true, 1)
        if ok then
            return key
        end
        if err ~= "exists" then
            return nil, err
        end
        ngx.sleep(0.002)
    end
    return nil, "timed out waiting for the flag lock"
end

-- ficus.put(flag, bp, shadow, rev [, dict [, pins]])
--   -> 200, bp, shadow, rev, pins     stored (rev >= stored rev, or new flag)
--   -> 409, bp, shadow, rev, pins     refused, the stored (newer) value is returned
--   -> 500, errmsg
-- Arguments are assumed validated (see validate_put below).  pins:
-- { ["in"] = {tenant...}, out = {tenant...} } or nil (no pins); the flag's
-- pins are replaced as a whole.  cmp: the shadow compare (validate_compare)
-- or nil (off).
function M.put(flag, bp, shadow, rev, dictname, pins, cmp)
    local d, err = get_dict(dictname)
    if not d then
        return 500, err
    end
    local lk
    lk, err = lock(d, flag)
    if not lk then
        return 500, err
    end
    pins = pins or { ["in"] = {}, out = {} }
    local status, a, b, c, e = 200, bp, shadow, rev, pins
    local cur = d:get(KEY_PREFIX .. flag)
    local cbp, csh, crev, cpins
    if cur then
        cbp, csh, crev, cpins = decode_entry(cur)
    end
    if crev and rev < crev then
        status, a, b, c = 409, cbp, csh, crev
        e = cpins > 0 and load_pins(d, flag, crev) or nil
    else
        local nin, nout = #pins["in"], #pins.out
        local ok, serr = true, nil
        if crev == rev and cpins > 0 then
            drop_pins(d, flag, crev) -- the same revision written again: its keys are reused
        end
        if nin + nout > 0 then
            ok, serr = store_pins(d, flag, rev, pins)
        end
        if ok then
            local v = format("%d|%d|%d", bp, shadow and 1 or 0, rev)
            if nin + nout > 0 then
                v = v .. format("|%d|%d", nin, nout)
            end
            ok, serr = d:safe_set(KEY_PREFIX .. flag, v)
            if not ok and nin + nout > 0 then
                drop_pins(d, flag, rev)
            end
        end
        if not ok then
            status, a = 500, "cannot store flag: " .. tostring(serr)
        else
            if crev and crev ~= rev and cpins > 0 then
                drop_pins(d, flag, crev, M.PIN_GRACE)
            end
            serr = M.compare_store(d, flag, cmp)
            if serr then
                status, a = 500, serr
            end
        end
    end
    d:delete(lk)
    return status, a, b, c, e
end

-- ficus.list([dict]) -> { flag = {bp, shadow, rev}, ... }, sorted name list
function M.list(dictname)
    local d, err = get_dict(dictname)
    if not d then
        return nil, err
    end
    local out, names = {}, {}
    for _, k in ipairs(d:get_keys(0)) do
        if sub(k, 1, #KEY_PREFIX) == KEY_PREFIX then
            local v = d:get(k)
            local bp, sh, rev, np
            if v then
                bp, sh, rev, np = decode_entry(v)
            end
            if bp then
                local name = sub(k, #KEY_PREFIX + 1)
                out[name] = { bp = bp, shadow = sh, rev = rev, npins = np,
                              compare = M.compare_config(name, dictname) }
                names[#names + 1] = name
            end
        end
    end
    sort(names)
    return out, names
end

---------------------------------------------------------------------------
-- routing
---------------------------------------------------------------------------

-- bucket = crc32("<flag>:<tenant>") mod 10000, crc32 = IEEE/zlib, unsigned
function M.bucket(flag, tenant)
    return ngx.crc32_long(flag .. ":" .. tenant) % 10000
end

-- The first "tenant" query argument, read the way HAProxy's url_param()
-- reads it: arguments separated by "&" or ";", case-sensitive name, raw
-- value (not percent-decoded).  nginx's own $arg_tenant differs (it ignores
-- ";" and the case of the name), hence this small parser.
local function query_tenant(args)
    if not args or not find(args, "tenant=", 1, true) then
        return nil
    end
    for arg in gmatch(args, "[^&;]+") do
        if sub(arg, 1, 7) == "tenant=" then
            return sub(arg, 8)
        end
    end
    return nil
end

-- tenant: the first X-Tenant request header, else the first "tenant" query
-- argument; empty counts as absent.  Returns nil without a tenant.
function M.tenant()
    local var = ngx.var
    local t = var.http_x_tenant
    if t and find(t, ",", 1, true) then
        -- nginx >= 1.23 joins repeated headers with ", ": take the first
        local h = ngx.req.get_headers()["x-tenant"]
        if type(h) == "table" then
            h = h[1]
        end
        t = h
    end
    if t == nil or t == "" then
        t = query_tenant(var.args)
    end
    if t == "" then
        return nil
    end
    return t
end

-- ficus.route(flag, opts) from rewrite_by_lua* or access_by_lua*.
-- opts:
--   new         upstream name of the new service (required)
--   old         upstream name of the monolith (default "monolith")
--   var         variable receiving the chosen upstream (default "ficus_upstream")
--   side_var    optional variable receiving "new" or "old"
--   mirror_var  optional variable receiving opts.new when the flag has
--               shadow on and this request goes to the old side, "" otherwise;
--               a `mirror` location tests it (see nginx.conf.example).
--               Without mirror_var, shadow is ignored.
--   dict        lua_shared_dict name (default "ficus_flags")
--   headers     false to skip the X-Ficus-Side / X-Ficus-Bucket response headers
--   compare     prefix of the two internal compare locations (e.g.
--               "/_ficus_compare": "/_ficus_compare_old" and "_new", see
--               nginx.conf.example); without it, shadow compare is off here
--   compare_var variable the compare locations proxy to (default "ficus_compare_to")
--   compare_max_body  bytes of a body compared (default 1 MiB; larger: not compared)
--   metrics_dict      where compare counts (default "ficus_metrics")
-- Every variable named here must exist in nginx.conf (`set $name "";`).
-- Returns side ("new"|"old"), bucket (nil without tenant), mirrored (bool).
-- A request picked for shadow compare is answered here (from the monolith)
-- and does not return.
function M.route(flag, opts)
    opts = opts or {}
    local bp, shadow, rev, npins = 0, false, 0, 0
    local d, err = get_dict(opts.dict)
    if d then
        local v = d:get(KEY_PREFIX .. flag)
        if v then
            local b, sh, r, np = decode_entry(v)
            if b then
                bp, shadow, rev, npins = b, sh, r, np
            end
        end
    else
        ngx.log(ngx.ERR, "ficus: ", err, "; routing ", flag, " to the old side")
    end

    local tenant = M.tenant()
    local side, bucket, pin
    if tenant then
        bucket = ngx.crc32_long(flag .. ":" .. tenant) % 10000
        side = bucket < bp and "new" or "old"
        -- tenant pins, before the bucket: "o" always the monolith, "i" always new
        if npins > 0 then
            pin = d:get(PIN_PREFIX .. flag .. ":" .. rev .. ":" .. tenant)
            if pin == "o" then
                side = "old"
            elseif pin == "i" then
                side = "new"
            end
        end
    else
        side = bp >= M.MAX_BP and "new" or "old"
    end

    -- for ficus.log: which flag and side this request took
    local ctx = ngx.ctx
    ctx.ficus_flag, ctx.ficus_side = flag, side

    local var = ngx.var
    var[opts.var or "ficus_upstream"] = (side == "new") and opts.new or (opts.old or "monolith")
    if opts.side_var then
        var[opts.side_var] = side
    end
    -- shadow compare: a sampled GET/HEAD of the old side goes to both sides
    local cmp
    if shadow and side == "old" and pin ~= "o" and opts.compare and opts.new and d then
        cmp = M.compare_pick(flag, opts.dict)
    end
    local mirrored = false
    if opts.mirror_var then
        -- a tenant pinned out stays on the monolith entirely: not mirrored
        -- (nor compared) either
        mirrored = shadow and side == "old" and pin ~= "o" and opts.new ~= nil and not cmp
        var[opts.mirror_var] = mirrored and opts.new or ""
    end
    if opts.headers ~= false then
        local h = ngx.header
        h["X-Ficus-Side"] = side
        if bucket then
            h["X-Ficus-Bucket"] = tostring(bucket)
        end
        if pin == "i" or pin == "o" then
            h["X-Ficus-Pin"] = pin == "i" and "in" or "out"
        end
    end
    if cmp then
        return M.compare_request(flag, cmp, opts)
    end
    return side, bucket, mirrored
end


---------------------------------------------------------------------------
-- metrics: requests, status classes and durations per flag and side
---------------------------------------------------------------------------

-- ficus.log(opts) from log_by_lua* in the locations that call ficus.route
-- (or the server).  Counts the request in the lua_shared_dict opts.dict
-- (default "ficus_metrics"): by flag, side ("monolith" or "new") and status
-- class ("2xx" ... "5xx"), and its duration ($request_time) in a histogram.
-- A request that ficus.route did not see is not counted.
function M.log(opts)
    local ctx = ngx.ctx
    local flag = ctx.ficus_flag
    if not flag then
        return
    end
    local d = ngx.shared[(opts and opts.dict) or DEFAULT_METRICS_DICT]
    if not d then
        return
    end
    local side = ctx.ficus_side == "new" and "new" or "monolith"
    local status = tonumber(ngx.var.status) or 0
    local class = status >= 100 and status < 600 and (floor(status / 100) .. "xx") or "other"
    local secs = tonumber(ngx.var.request_time) or 0
    local fs = flag .. "\t" .. side
    d:incr("r\t" .. fs .. "\t" .. class, 1, 0)
    local i = #BUCKETS + 1
    for k, le in ipairs(BUCKETS) do
        if secs <= le then
            i = k
            break
        end
    end
    d:incr("h\t" .. fs .. "\t" .. i, 1, 0)
    d:incr("s\t" .. fs, secs, 0)
    d:incr("c\t" .. fs, 1, 0)
end

local function fmt_num(v)
    if v == floor(v) and v < 1e15 and v > -1e15 then
        return format("%d", v)
    end
    return format("%.17g", v)
end

-- M.metrics_text(dict) -> the Prometheus text exposition of the counters
function M.metrics_text(d)
    local req, hist, sum, cnt, series = {}, {}, {}, {}, {}
    for _, k in ipairs(d:get_keys(0)) do
        local kind, flag, side, rest = match(k, "^(%a)\t([^\t]+)\t([^\t]+)\t?(.*)$")
        local v = d:get(k)
        if kind and v then
            local fs = flag .. "\t" .. side
            if kind == "r" then
                req[#req + 1] = { flag, side, rest, v }
            elseif kind == "h" then
                hist[fs] = hist[fs] or {}
                hist[fs][tonumber(rest)] = v
                series[fs] = { flag, side }
            elseif kind == "s" then
                sum[fs] = v
            elseif kind == "c" then
                cnt[fs] = v
            end
        end
    end
    sort(req, function(a, b)
        if a[1] ~= b[1] then return a[1] < b[1] end
        if a[2] ~= b[2] then return a[2] < b[2] end
        return a[3] < b[3]
    end)
    local out = {
        "# HELP ficus_requests_total Requests routed by ficus, by flag, side and status class.",
        "# TYPE ficus_requests_total counter",
    }
    for _, r in ipairs(req) do
        out[#out + 1] = format('ficus_requests_total{flag="%s",side="%s",code="%s"} %s', r[1], r[2], r[3],
                               fmt_num(r[4]))
    end
    out[#out + 1] = "# HELP ficus_request_duration_seconds Time to answer requests routed by ficus, by flag and side."
    out[#out + 1] = "# TYPE ficus_request_duration_seconds histogram"
    local names = {}
    for fs in pairs(series) do
        names[#names + 1] = fs
    end
    sort(names)
    for _, fs in ipairs(names) do
        local flag, side = series[fs][1], series[fs][2]
        local labels = format('flag="%s",side="%s"', flag, side)
        local acc = 0
        for i = 1, #BUCKETS + 1 do
            acc = acc + (hist[fs][i] or 0)
            local le = BUCKETS[i] and format("%g", BUCKETS[i]) or "+Inf"
            out[#out + 1] = format('ficus_request_duration_seconds_bucket{%s,le="%s"} %s', labels, le, fmt_num(acc))
        end
        out[#out + 1] = format("ficus_request_duration_seconds_sum{%s} %s", labels, fmt_num(sum[fs] or 0))
        out[#out + 1] = format("ficus_request_duration_seconds_count{%s} %s", labels, fmt_num(cnt[fs] or 0))
    end
    M.compare_metrics(d, out)
    return concat(out, "\n") .. "\n"
end

---------------------------------------------------------------------------
-- admin API (ficus router protocol v1)
---------------------------------------------------------------------------

local function respond(status, body, extra)
    ngx.status = status
    local h = ngx.header
    h["Content-Type"] = "application/json"
    h["Cache-Control"] = "no-store"
    if extra then
        for k, v in pairs(extra) do
            h[k] = v
        end
    end
    ngx.print(body, "\n")
    -- the status line is already out: HTTP_OK only finishes the request
    return ngx.exit(ngx.HTTP_OK)
end

-- compare a client-supplied token with the configured one; the time taken
-- depends only on the length of the supplied token, never on the secret
local function token_equal(given, expected)
    local le = #expected
    local r = bit.bxor(#given, le)
    for i = 1, #given do
        r = bit.bor(r, bit.bxor(byte(given, i), byte(expected, (i - 1) % le + 1)))
    end
    return r == 0
end

local function configured_token(opts)
    if opts.token ~= nil then
        return opts.token
    end
    -- reading a variable that nginx.conf never defines raises an error
    local ok, v = pcall(function() return ngx.var.ficus_token end)
    if ok and v then
        return v
    end
    return ""
end

local warned_no_auth = false

local function authorized(opts)
    local expected = configured_token(opts)
    if expected == "" then
        if not warned_no_auth then
            warned_no_auth = true
            ngx.log(ngx.WARN, "ficus: no admin token configured ($ficus_token",
                    " empty or undefined): the admin API accepts anyone")
        end
        return true
    end
    local auth = ngx.var.http_authorization
    if not auth or #auth > 8192 then
        return false
    end
    local given = match(auth, "^[Bb][Ee][Aa][Rr][Ee][Rr] +([!-~]+) *$")
    if not given then
        return false
    end
    return token_equal(given, expected)
end

local function read_body()
    local cl = ngx.var.http_content_length
    if cl and (tonumber(cl) or 0) > M.MAX_BODY then
        return nil, 413
    end
    local ok, err = pcall(ngx.req.read_body)
    if not ok then
        return nil, 400, "cannot read body: " .. tostring(err)
    end
    local body = ngx.req.get_body_data()
    if not body then
        local file = ngx.req.get_body_file()
        if file then
            local fh = io.open(file, "rb")
            if not fh then
                return nil, 500, "cannot read buffered body"
            end
            body = fh:read(M.MAX_BODY + 1)
            fh:close()
        end
    end
    body = body or ""
    if #body > M.MAX_BODY then
        return nil, 413
    end
    return body
end

local function is_int(v, lo, hi)
    return type(v) == "number" and v == floor(v) and v >= lo and v <= hi
end

---------------------------------------------------------------------------
-- shadow compare (ficus-shadow(1), the "compare" member in ficus-routers(7))
---------------------------------------------------------------------------
--
-- The configuration of a flag lives beside it in the flags dict under
-- "c:<flag>" as "sample|since|field,field" (field names are
-- [A-Za-z0-9_-], so neither "|" nor "," occurs in them).  The counters
-- live in the metrics dict under "cmp:<flag>:<what>", for the compare
-- whose `since` is "cmp:<flag>:since"; a put with another since starts
-- them again from zero, and so does a compare turned on after none, or
-- changed.  The last 20 mismatches are a ring:
-- "cmp:<flag>:rn" counts them, "cmp:<flag>:r<n mod 20>" = "at\treason\tpath".

local CMP_PREFIX = "c:"
local CMP_MAX_IGNORE = 32
local CMP_RECENT = 20
local CMP_DEFAULT_MAX_BODY = 1048576
local CMP_COUNTS = { "compared", "matched", "mismatched", "not_compared" }

compare_json = function(cmp)
    local parts = {}
    for i, f in ipairs(cmp.ignore_list) do
        parts[i] = json_string(f)
    end
    return format('{"ignore":[%s],"sample":%d,"since":%d}', concat(parts, ","), cmp.sample, cmp.since)
end

-- validate_compare(obj) -> {sample, since, ignore_list, ignore} | nil, errmsg
function M.validate_compare(obj)
    if type(obj) ~= "table" or obj == json_null or getmetatable(obj) == array_mt then
        return nil, "compare must be a JSON object"
    end
    for k in pairs(obj) do
        if k ~= "sample" and k ~= "since" and k ~= "ignore" then
            return nil, "compare has an unknown member"
        end
    end
    if not is_int(obj.sample, 1, M.MAX_BP) then
        return nil, "compare.sample must be an integer 1..10000"
    end
    if not is_int(obj.since, 0, M.MAX_REV) then
        return nil, "compare.since must be an integer 0..9007199254740991"
    end
    local list, set = {}, {}
    local ign = obj.ignore
    if ign ~= nil then
        if type(ign) ~= "table" or getmetatable(ign) ~= array_mt or #ign > CMP_MAX_IGNORE then
            return nil, "compare.ignore must be an array of at most 32 field names"
        end
        for i, f in ipairs(ign) do
            if type(f) ~= "string" or #f > 64 or not find(f, "^[A-Za-z0-9_%-]+$") then
                return nil, "compare.ignore must hold field names ([A-Za-z0-9_-], 1..64 bytes)"
            end
            list[i] = f
            set[f] = true
        end
    end
    return { sample = obj.sample, since = obj.since, ignore_list = list, ignore = set }
end

local function decode_compare(v)
    local sample, since, fields = match(v or "", "^(%d+)|(%d+)|(.*)$")
    if not sample then
        return nil
    end
    local list, set = {}, {}
    for f in gmatch(fields, "[^,]+") do
        list[#list + 1] = f
        set[f] = true
    end
    return { sample = tonumber(sample), since = tonumber(since), ignore_list = list, ignore = set }
end

local function cmp_dict(name)
    return ngx.shared[name or DEFAULT_METRICS_DICT]
end

local function cmp_key(flag, what)
    return "cmp:" .. flag .. ":" .. what
end

-- ficus.compare_config(flag [, dict]) -> the flag's compare table, or nil
function M.compare_config(flag, dictname)
    local d = get_dict(dictname)
    return d and decode_compare(d:get(CMP_PREFIX .. flag)) or nil
end

-- Store (or, cmp nil, remove) the compare of a flag, under the flag's
-- lock; counters of another since start again.  -> nil | errmsg
function M.compare_store(d, flag, cmp, metrics_dict)
    if not cmp then
        d:delete(CMP_PREFIX .. flag)
        return nil
    end
    local v = format("%d|%d|%s", cmp.sample, cmp.since, concat(cmp.ignore_list, ","))
    local before = d:get(CMP_PREFIX .. flag)
    local ok, err = d:safe_set(CMP_PREFIX .. flag, v)
    if not ok then
        return "cannot store compare: " .. tostring(err)
    end
    -- a compare turned on, or changed: count from zero (the same one
    -- pushed again, e.g. by a sync, keeps its counts)
    local m = cmp_dict(metrics_dict)
    if m and (before ~= v or m:get(cmp_key(flag, "since")) ~= cmp.since) then
        for _, what in ipairs(CMP_COUNTS) do
            m:set(cmp_key(flag, what), 0)
        end
        for i = 0, CMP_RECENT - 1 do
            m:delete(cmp_key(flag, "r" .. i))
        end
        m:set(cmp_key(flag, "rn"), 0)
        m:set(cmp_key(flag, "since"), cmp.since)
    end
    return nil
end

local seeded = false

-- The compare of flag when this request is one to compare, else nil.
function M.compare_pick(flag, dictname)
    local method = ngx.req.get_method()
    if method ~= "GET" and method ~= "HEAD" then
        return nil
    end
    local cmp = M.compare_config(flag, dictname)
    if not cmp then
        return nil
    end
    if cmp.sample < M.MAX_BP then
        if not seeded then
            math.randomseed(floor(ngx.now() * 1000) + ngx.worker.pid())
            seeded = true
        end
        if math.random(M.MAX_BP) > cmp.sample then
            return nil
        end
    end
    return cmp
end

-- The first path at which two decoded JSON values differ, or nil; keys in
-- `ignore` are left out at every depth.  Arrays compare in order, objects
-- by key, numbers by value.
local function json_diff(a, b, ignore, path)
    if a == b then
        return nil
    end
    if type(a) ~= "table" or type(b) ~= "table" or a == json_null or b == json_null then
        return path
    end
    local aa, ba = getmetatable(a) == array_mt, getmetatable(b) == array_mt
    if aa ~= ba then
        return path
    end
    if aa then
        if #a ~= #b then
            return path .. "[#]"
        end
        for i = 1, #a do
            local p = json_diff(a[i], b[i], ignore, path .. "[" .. (i - 1) .. "]")
            if p then
                return p
            end
        end
        return nil
    end
    local keys = {}
    for k in pairs(a) do
        keys[#keys + 1] = k
    end
    for k in pairs(b) do
        if a[k] == nil then
            keys[#keys + 1] = k
        end
    end
    sort(keys)
    for _, k in ipairs(keys) do
        if not ignore[k] then
            if a[k] == nil or b[k] == nil then
                return path .. "." .. k
            end
            local p = json_diff(a[k], b[k], ignore, path .. "." .. k)
            if p then
                return p
            end
        end
    end
    return nil
end

-- ficus.compare_answers(old, new, ignore, max_body) -> "match" |
-- "mismatch", reason | "not_compared", reason.  old and new are
-- {status, body, truncated} (ngx.location.capture's answers); ignore a set
-- of field names.  The rule: the monolith's answer broken off, or a body
-- over max_body, is not compared; no complete answer of the new side (a
-- hang past its timeouts) is a mismatch; else the statuses, then the
-- bodies: as JSON without the ignored fields when both are JSON, else
-- byte for byte.
function M.compare_answers(old, new, ignore, max_body)
    max_body = max_body or CMP_DEFAULT_MAX_BODY
    if old.truncated then
        return "not_compared", "the monolith's answer broke off"
    end
    if not new or new.truncated or (new.status or 0) == 0 then
        -- a hang past the timeouts, a broken connection: the new side failed
        return "mismatch", "new side: no complete answer"
    end
    if old.status ~= new.status then
        return "mismatch", format("status %d\226\137\160%d", old.status, new.status)
    end
    local ob, nb = old.body or "", new.body or ""
    if #ob > max_body or #nb > max_body then
        return "not_compared", format("body over %d bytes", max_body)
    end
    if ob == nb then
        return "match"
    end
    local oj, nj = json_decode(ob), json_decode(nb)
    if oj ~= nil and nj ~= nil then
        local p = json_diff(oj, nj, ignore or {}, "$")
        if not p then
            return "match"
        end
        return "mismatch", "body differs at " .. p
    end
    if oj ~= nil or nj ~= nil then
        return "mismatch", "body differs (JSON on one side only)"
    end
    return "mismatch", format("body differs (bytes, %d vs %d)", #ob, #nb)
end

local function compare_record(flag, cmp, opts, result, reason)
    local m = cmp_dict(opts.metrics_dict)
    -- a put with another since meanwhile: this answer belongs to the old one
    if not m or m:get(cmp_key(flag, "since")) ~= cmp.since then
        return
    end
    m:incr(cmp_key(flag, result == "match" and "matched" or result == "mismatch" and "mismatched" or "not_compared"), 1, 0)
    if result == "not_compared" then
        return
    end
    m:incr(cmp_key(flag, "compared"), 1, 0)
    if result == "mismatch" then
        local n = m:incr(cmp_key(flag, "rn"), 1, 0) or 1
        local path = sub(ngx.var.uri or "", 1, 200)
        m:set(cmp_key(flag, "r" .. ((n - 1) % CMP_RECENT)),
              format("%d\t%s\t%s", ngx.time(), reason or "", path))
    end
end

-- headers not copied to the client: the connection's own (hop-by-hop),
-- and those proxy_pass hides by default (nginx sets its own Date, Server)
local HOP = { connection = true, ["keep-alive"] = true, ["transfer-encoding"] = true,
              te = true, trailer = true, upgrade = true, ["proxy-connection"] = true,
              date = true, server = true, ["x-pad"] = true, ["x-accel-expires"] = true,
              ["x-accel-redirect"] = true, ["x-accel-limit-rate"] = true, ["x-accel-buffering"] = true,
              ["x-accel-charset"] = true }

-- Answer the client from the monolith, then compare with the new side.
-- Both sides run as subrequests of the compare locations, the new one in
-- a light thread, so the client waits only for the monolith; the new
-- side is waited for after ngx.eof(), bounded by its location's proxy
-- timeouts.  Does not return.
function M.compare_request(flag, cmp, opts)
    local method = ngx.req.get_method() == "HEAD" and ngx.HTTP_HEAD or ngx.HTTP_GET
    local var = opts.compare_var or "ficus_compare_to"
    local th = ngx.thread.spawn(function()
        return ngx.location.capture(opts.compare .. "_new", { method = method, vars = { [var] = opts.new } })
    end)
    local old = ngx.location.capture(opts.compare .. "_old",
                                     { method = method, vars = { [var] = opts.old or "monolith" } })
    if method == ngx.HTTP_HEAD and old.status ~= 0 then
        -- a HEAD answer has no body: capture reports it as truncated
        old.truncated = false
    end
    if old.truncated then
        -- the monolith's answer broke off: as a proxied request would
        ngx.thread.kill(th)
        compare_record(flag, cmp, opts, "not_compared")
        return ngx.exit(ngx.HTTP_BAD_GATEWAY)
    end
    ngx.status = old.status
    local h = ngx.header
    for k, v in pairs(old.header) do
        if not HOP[string.lower(k)] then
            h[k] = v
        end
    end
    if old.body and old.body ~= "" then
        ngx.print(old.body)
    end
    ngx.eof()
    local ok, new = ngx.thread.wait(th)
    if not ok then
        new = nil
    elseif method == ngx.HTTP_HEAD and new and new.status ~= 0 then
        new.truncated = false
    end
    local result, reason = M.compare_answers(old, new, cmp.ignore, opts.compare_max_body)
    compare_record(flag, cmp, opts, result, reason)
    return ngx.exit(ngx.HTTP_OK)
end

-- The counters of a flag's compare as JSON, or nil when it has none.
function M.shadow_stats_json(flag, dictname, metrics_dict)
    local cmp = M.compare_config(flag, dictname)
    local m = cmp_dict(metrics_dict)
    if not cmp or not m then
        return nil
    end
    local parts = {}
    for _, what in ipairs(CMP_COUNTS) do
        parts[#parts + 1] = format('"%s":%d', what, m:get(cmp_key(flag, what)) or 0)
    end
    local recent = {}
    local n = m:get(cmp_key(flag, "rn")) or 0
    for i = n, math.max(1, n - CMP_RECENT + 1), -1 do
        local v = m:get(cmp_key(flag, "r" .. ((i - 1) % CMP_RECENT)))
        local at, reason, path = match(v or "", "^(%d+)\t([^\t]*)\t(.*)$")
        if at then
            recent[#recent + 1] = format('{"at":%s,"path":%s,"reason":%s}', at, json_string(path),
                                         json_string(reason))
        end
    end
    return format('{%s,"since":%d,"sample":%d,"ignore":%s,"recent":[%s]}', concat(parts, ","), cmp.since,
                  cmp.sample, compare_json(cmp):match('"ignore":(%b[])'), concat(recent, ","))
end

-- GET P/v1/flags/<flag>/shadow (from ficus.admin, authorized already)
function M.shadow_stats_handler(flag, opts)
    local method = ngx.req.get_method()
    if method ~= "GET" and method ~= "HEAD" then
        ngx.req.discard_body()
        return respond(405, error_json("method not allowed"), { Allow = "GET, HEAD" })
    end
    local body = valid_flag_name(flag) and M.shadow_stats_json(flag, opts.dict, opts.metrics_dict)
    if not body then
        return respond(404, error_json("no shadow compare for this flag"))
    end
    return respond(200, body)
end

-- The compare counters for /metrics, one line each.
function M.compare_metrics(d, out)
    local rows = {}
    for _, k in ipairs(d:get_keys(0)) do
        local flag, what = match(k, "^cmp:([^:]+):(%a[%a_]*)$")
        if flag and (what == "matched" or what == "mismatched" or what == "not_compared") then
            rows[#rows + 1] = { flag, what, d:get(k) or 0 }
        end
    end
    sort(rows, function(a, b)
        if a[1] ~= b[1] then return a[1] < b[1] end
        return a[2] < b[2]
    end)
    out[#out + 1] = "# HELP ficus_shadow_compare_total Shadow compare results by flag since compare went on: " ..
                    "matched, mismatched, not_compared."
    out[#out + 1] = "# TYPE ficus_shadow_compare_total counter"
    for _, r in ipairs(rows) do
        out[#out + 1] = format('ficus_shadow_compare_total{flag="%s",result="%s"} %s', r[1], r[2], fmt_num(r[3]))
    end
end

-- validate_put(body) -> bp, shadow, rev, pins, cmp | nil, errmsg
local function validate_put(body)
    if body == "" then
        return nil, "empty body"
    end
    local obj, err = json_decode(body)
    if obj == nil then
        return nil, "invalid JSON: " .. err
    end
    if type(obj) ~= "table" or obj == json_null or getmetatable(obj) == array_mt then
        return nil, "body must be a JSON object"
    end
    if not is_int(obj.bp, 0, M.MAX_BP) then
        return nil, "bp must be an integer 0..10000"
    end
    if type(obj.shadow) ~= "boolean" then
        return nil, "shadow must be a boolean"
    end
    if not is_int(obj.rev, 0, M.MAX_REV) then
        return nil, "rev must be an integer 0..9007199254740991"
    end
    local pins, perr = validate_pins(obj.pins)
    if not pins then
        return nil, perr
    end
    local cmp, cerr
    if obj.compare ~= nil then
        cmp, cerr = M.validate_compare(obj.compare)
        if not cmp then
            return nil, cerr
        end
        if not obj.shadow then
            return nil, "compare needs shadow true"
        end
    end
    return obj.bp, obj.shadow, obj.rev, pins, cmp
end
M.validate_put = validate_put

-- ficus.admin(opts) from content_by_lua*.
-- opts:
--   prefix  path prefix before /v1 (default "", e.g. "/ficus")
--   dict    lua_shared_dict name (default "ficus_flags")
--   token   bearer token; default: the nginx variable $ficus_token if
--           defined; "" or undefined means no authentication
function M.admin(opts)
    opts = opts or {}
    local method = ngx.req.get_method()
    local uri = ngx.var.uri
    local prefix = (opts.prefix or ""):gsub("/+$", "")

    if not authorized(opts) then
        ngx.req.discard_body()
        return respond(401, error_json("unauthorized"),
                       { ["WWW-Authenticate"] = 'Bearer realm="ficus"' })
    end

    local base = prefix .. "/v1/flags"
    local flag
    if uri == base or uri == base .. "/" then
        flag = nil
    elseif sub(uri, 1, #base + 1) == base .. "/" then
        flag = sub(uri, #base + 2)
    else
        ngx.req.discard_body()
        return respond(404, error_json("not found"))
    end

    local d, derr = get_dict(opts.dict)
    if not d then
        ngx.req.discard_body()
        return respond(500, error_json(derr))
    end

    if flag and find(flag, "/shadow$") then
        return M.shadow_stats_handler(sub(flag, 1, -8), opts)
    end

    if flag == nil then
        if method ~= "GET" and method ~= "HEAD" then
            ngx.req.discard_body()
            return respond(405, error_json("method not allowed"), { Allow = "GET, HEAD" })
        end
        local flags, names = M.list(opts.dict)
        local parts = {}
        for i, name in ipairs(names) do
            local f = flags[name]
            parts[i] = json_string(name) .. ":" .. flag_json(f.bp, f.shadow, f.rev,
                                                             f.npins > 0 and load_pins(d, name, f.rev) or nil,
                                                             f.compare)
        end
        return respond(200, '{"flags":{' .. concat(parts, ",") .. '}}')
    end

    if method == "GET" or method == "HEAD" then
        local bp, sh, rev
        if valid_flag_name(flag) then
            bp, sh, rev = M.get(flag, opts.dict)
        end
        if not bp then
            return respond(404, error_json("unknown flag"))
        end
        return respond(200, flag_json(bp, sh, rev, M.pins(flag, opts.dict), M.compare_config(flag, opts.dict)))
    elseif method ~= "PUT" then
        ngx.req.discard_body()
        return respond(405, error_json("method not allowed"), { Allow = "GET, HEAD, PUT" })
    end

    if not valid_flag_name(flag) then
        ngx.req.discard_body()
        return respond(400, error_json("invalid flag name"))
    end
    local body, status, msg = read_body()
    if not body then
        if status == 413 then
            return respond(413, error_json("body larger than " .. M.MAX_BODY .. " bytes"))
        end
        return respond(status, error_json(msg))
    end
    local bp, shadow, rev, pins, cmp = validate_put(body)
    if not bp then
        return respond(400, error_json(shadow))
    end
    local st, a, b, c, e = M.put(flag, bp, shadow, rev, opts.dict, pins, cmp)
    if st == 500 then
        ngx.log(ngx.ERR, "ficus: ", a)
        return respond(500, error_json(a))
    end
    if st == 200 then
        ngx.log(ngx.NOTICE, "ficus: flag ", flag, " bp=", bp, " shadow=", tostring(shadow), " rev=", rev,
                #pins["in"] + #pins.out > 0 and format(" pins=%d/%d", #pins["in"], #pins.out) or "")
    end
    return respond(st, flag_json(a, b, c, e, M.compare_config(flag, opts.dict)))
end

-- ficus.metrics(opts) from content_by_lua* (e.g. location = /metrics on
-- the admin listener).  opts.dict: the metrics dict (default
-- "ficus_metrics"); opts.token as for ficus.admin (a configured token is
-- required here too: give Prometheus the same bearer token).
function M.metrics(opts)
    opts = opts or {}
    if not authorized(opts) then
        return respond(401, error_json("unauthorized"), { ["WWW-Authenticate"] = 'Bearer realm="ficus"' })
    end
    local method = ngx.req.get_method()
    if method ~= "GET" and method ~= "HEAD" then
        return respond(405, error_json("method not allowed"), { Allow = "GET, HEAD" })
    end
    local d = ngx.shared[opts.dict or DEFAULT_METRICS_DICT]
    if not d then
        return respond(500, error_json("lua_shared_dict " .. (opts.dict or DEFAULT_METRICS_DICT) ..
                                       " is not configured"))
    end
    ngx.status = 200
    ngx.header["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    ngx.header["Cache-Control"] = "no-store"
    ngx.print(M.metrics_text(d))
    return ngx.exit(ngx.HTTP_OK)
end

return M
