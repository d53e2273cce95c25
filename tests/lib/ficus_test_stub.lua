-- Stub answers of the monolith and the new service for the shadow compare
-- tests (tests/integration/t-shadow-compare.sh), and the unit cases of the
-- compare rule (ficus.compare_answers), run inside nginx.
--
-- /api/tracking/cmp/<case>[/...]: both sides answer the same JSON, except
--   same     the new side's "ts" differs (an ignored field): a match
--   field    the new side's "eta" differs: a mismatch at $.eta
--   status   the new side answers 500: a status mismatch
--   text     plain text that differs: a byte mismatch
--   big      64 KiB on both sides: over the compare cap (16 KiB here), not compared
--   slow     the new side answers after 5 s (hangs past its timeout)
local M = {}

local BIG = string.rep("x", 65536)   -- over the tests' compare cap of 16 KiB

function M.answer(side)
    local case = ngx.var.uri:match("^/api/tracking/cmp/([%w_-]+)") or "same"
    local new = side == "new"
    if case == "slow" and new then
        ngx.sleep(5)
    end
    if case == "status" and new then
        ngx.status = 500
        ngx.header["Content-Type"] = "application/json"
        ngx.print('{"error":"new side failing"}')
        return
    end
    if case == "text" then
        ngx.header["Content-Type"] = "text/plain"
        ngx.print(new and "plain text from the new side\n" or "plain text from the monolith\n")
        return
    end
    if case == "big" then
        ngx.header["Content-Type"] = "text/plain"
        ngx.print(BIG)
        return
    end
    ngx.header["Content-Type"] = "application/json"
    ngx.header["X-Stub-Case"] = case
    ngx.print(string.format('{"id":"%s","eta":"%s","ts":"%s","items":[1,2,{"ts":"%s","k":"v"}]}',
                            case, (case == "field" and new) and "11:00" or "10:00",
                            new and "t-new" or "t-old", new and "n" or "o"))
end

-- Each case: old, new, ignore set, cap -> wanted result and reason (pattern).
local cases = {
    { "same bytes", { status = 200, body = "abc" }, { status = 200, body = "abc" }, {}, nil, "match" },
    { "status differs", { status = 200, body = "{}" }, { status = 500, body = "{}" }, {}, nil, "mismatch",
      "^status 200\226\137\160500$" },
    { "ignored field at the top", { status = 200, body = '{"a":1,"ts":1}' }, { status = 200, body = '{"ts":2,"a":1}' },
      { ts = true }, nil, "match" },
    { "ignored field at depth", { status = 200, body = '{"x":[{"ts":1,"k":2}]}' },
      { status = 200, body = '{"x":[{"ts":9,"k":2}]}' }, { ts = true }, nil, "match" },
    { "field not ignored", { status = 200, body = '{"a":1,"ts":1}' }, { status = 200, body = '{"a":1,"ts":2}' }, {},
      nil, "mismatch", "^body differs at %$%.ts$" },
    { "field missing", { status = 200, body = '{"a":1,"b":2}' }, { status = 200, body = '{"a":1}' }, {}, nil,
      "mismatch", "^body differs at %$%.b$" },
    { "array order", { status = 200, body = '[1,2]' }, { status = 200, body = '[2,1]' }, {}, nil, "mismatch",
      "^body differs at %$%[0%]$" },
    { "array length", { status = 200, body = '[1]' }, { status = 200, body = '[1,1]' }, {}, nil, "mismatch",
      "^body differs at %$%[#%]$" },
    { "numbers by value", { status = 200, body = '{"n":1.0}' }, { status = 200, body = '{"n":1}' }, {}, nil, "match" },
    { "null against a value", { status = 200, body = '{"n":null}' }, { status = 200, body = '{"n":0}' }, {}, nil,
      "mismatch", "^body differs at %$%.n$" },
    { "object against array", { status = 200, body = '{}' }, { status = 200, body = '[]' }, {}, nil, "mismatch",
      "^body differs at %$$" },
    { "JSON on one side only", { status = 200, body = '{"a":1}' }, { status = 200, body = 'oops' }, {}, nil,
      "mismatch", "JSON on one side only" },
    { "bytes differ", { status = 200, body = 'abc' }, { status = 200, body = 'abd' }, {}, nil, "mismatch",
      "^body differs %(bytes" },
    { "over the cap", { status = 200, body = string.rep("a", 11) }, { status = 200, body = "b" }, {}, 10,
      "not_compared", "^body over 10 bytes$" },
    { "new side broke off", { status = 200, body = "a" }, { status = 200, body = "a", truncated = true }, {}, nil,
      "mismatch", "^new side: no complete answer$" },
    { "no new answer", { status = 200, body = "a" }, nil, {}, nil, "mismatch", "no complete answer" },
    { "monolith broke off", { status = 200, body = "a", truncated = true }, { status = 200, body = "a" }, {}, nil,
      "not_compared", "monolith" },
    { "empty bodies (HEAD)", { status = 204, body = "" }, { status = 204, body = "" }, {}, nil, "match" },
    { "status first, over the cap", { status = 200, body = string.rep("a", 11) }, { status = 404, body = "" }, {}, 10,
      "mismatch", "^status 200" },
}

function M.compare_rules()
    local ficus = require "ficus"
    local failed = 0
    ngx.header["Content-Type"] = "text/plain"
    for _, c in ipairs(cases) do
        local res, reason = ficus.compare_answers(c[2], c[3], c[4], c[5])
        local ok = res == c[6] and (c[7] == nil or (reason and reason:find(c[7]) ~= nil))
        if not ok then
            failed = failed + 1
        end
        ngx.say(ok and "ok" or "FAIL", "\t", c[1], "\t", res, "\t", reason or "")
    end
    ngx.say("cases ", #cases, " failed ", failed)
end

return M
