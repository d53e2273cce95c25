/* fc_http: parallel requests, deadlines, retries, caps, TLS, against loopback servers. */
#include "fc_http.h"
#include "unit.h"
#include "loopback.h"

static void req(fc_http_req *r, const char *method, const char *url, long timeout_ms)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->url = url;
	r->tls_verify = 1;
	r->connect_timeout_ms = 1000;
	r->deadline_ms = fc_http_now_ms() + timeout_ms;
	r->retries = 2;
}

static void run1(fc_http_req *r)
{
	fc_http *h = fc_http_new();
	fc_http_add(h, r);
	assert_ok(fc_http_run(h));
	fc_http_free(h);
}

/* A v1 server holding one flag, and a GET of its list that succeeded. */
static void get_list(lb_server *s, fc_http_req *r, char *url, size_t len)
{
	lb_config cfg = { .mode = LB_V1, .seed = "tracking=1000,0,3" };

	lb_start(s, &cfg);
	snprintf(url, len, "%s/v1/flags", s->url);
	req(r, "GET", url, 3000);
	run1(r);
	assert_false(r->failed);
	assert_int_equal(r->status, 200);
}

static void test_fc_http__get_and_exact_request(void **state)
{
	lb_server s;
	fc_http_req r;
	char url[128];
	char *log;
	(void)state;

	get_list(&s, &r, url, sizeof(url));
	assert_int_equal(r.attempts, 1);
	assert_string_equal(fc_buf_cstr(&r.resp), "{\"flags\":{\"tracking\":{\"bp\":1000,\"shadow\":false,\"rev\":3}}}\n");
	log = lb_log(&s);
	assert_contains(log, "GET /v1/flags HTTP/1.1\n");
	assert_contains(log, "Accept: application/json\n");
	assert_contains(log, "User-Agent: ficus/");
	assert_not_contains(log, "Authorization");
	free(log);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__put_body_and_token(void **state)
{
	lb_config cfg = { .mode = LB_V1, .token = "t0k3n-secret" };
	const char *body = "{\"bp\":500,\"shadow\":true,\"rev\":7}";
	lb_server s;
	fc_http_req r;
	char url[128];
	char *log;
	(void)state;

	lb_start(&s, &cfg);
	snprintf(url, sizeof(url), "%s/v1/flags/tracking", s.url);
	req(&r, "PUT", url, 3000);
	r.body = body;
	r.body_len = strlen(body);
	r.token = "t0k3n-secret";
	run1(&r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fc_buf_cstr(&r.resp), "{\"bp\":500,\"shadow\":true,\"rev\":7}");
	log = lb_log(&s);
	assert_contains(log, "PUT /v1/flags/tracking HTTP/1.1\n");
	assert_contains(log, "Authorization: Bearer t0k3n-secret\n");
	assert_contains(log, "Content-Type: application/json\n");
	assert_contains(log, "Content-Length: 32\n");
	assert_contains(log, "\n\n{\"bp\":500,\"shadow\":true,\"rev\":7}\n----\n");
	assert_not_contains(log, "Expect:");
	free(log);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__connection_refused_is_retried_then_unreachable(void **state)
{
	fc_http_req r;
	char url[64];
	int64_t t0;
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/flags", lb_dead_port());
	req(&r, "GET", url, 5000);
	t0 = fc_http_now_ms();
	run1(&r);
	assert_true(r.failed);
	assert_true(r.unreachable);
	assert_int_equal(r.attempts, 3);
	assert_string_equal(r.error, "connection refused");
	assert_true(fc_http_now_ms() - t0 < 3000);
	fc_http_req_clear(&r);
}

static void test_fc_http__hung_server_times_out_at_the_deadline(void **state)
{
	lb_config cfg = { .mode = LB_HANG };
	lb_server s;
	fc_http_req r;
	int64_t t0, took;
	(void)state;

	lb_start(&s, &cfg);
	req(&r, "GET", s.url, 400);
	t0 = fc_http_now_ms();
	run1(&r);
	took = fc_http_now_ms() - t0;
	assert_true(r.failed);
	assert_true(r.timed_out);
	assert_false(r.unreachable);
	assert_int_equal(r.attempts, 1); /* a timeout is not retried: the deadline is spent */
	assert_contains(r.error, "timed out");
	assert_true(took >= 350 && took < 1400);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__stopped_server_times_out(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server s;
	fc_http_req r;
	int64_t t0, took;
	(void)state;

	lb_start(&s, &cfg);
	kill(s.pid, SIGSTOP); /* the kernel still accepts; nobody answers */
	req(&r, "GET", s.url, 400);
	t0 = fc_http_now_ms();
	run1(&r);
	took = fc_http_now_ms() - t0;
	assert_true(r.failed);
	assert_contains(r.error, "timed out");
	assert_true(took < 1400);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__huge_body_is_cut_off(void **state)
{
	lb_mode modes[] = { LB_HUGE, LB_HUGE_NOLEN };
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		lb_config cfg = { .mode = modes[i] };
		lb_server s;
		fc_http_req r;
		int64_t t0;

		lb_start(&s, &cfg);
		req(&r, "GET", s.url, 10000);
		t0 = fc_http_now_ms();
		run1(&r);
		assert_true(r.failed);
		assert_true(r.too_large);
		assert_contains(r.error, "cut off");
		assert_true(r.resp.len <= FC_HTTP_MAX_RESPONSE);
		assert_int_equal(r.attempts, 1);
		assert_true(fc_http_now_ms() - t0 < 5000); /* not a gigabyte */
		fc_http_req_clear(&r);
		lb_stop(&s);
	}
}

static void test_fc_http__5xx_is_retried_then_succeeds(void **state)
{
	lb_config cfg = { .mode = LB_V1, .fail_first = 2, .status = 503, .body = "{}" };
	lb_server s;
	fc_http_req r;
	char url[128];
	(void)state;

	lb_start(&s, &cfg);
	snprintf(url, sizeof(url), "%s/v1/flags", s.url);
	req(&r, "GET", url, 5000);
	run1(&r);
	assert_false(r.failed);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(lb_count(&s, "GET "), 3);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__500_after_retries_and_404_not_retried(void **state)
{
	lb_config c500 = { .mode = LB_STATUS, .status = 500, .body = "{\"error\":\"boom\"}" };
	lb_config c404 = { .mode = LB_STATUS, .status = 404, .body = "{}" };
	lb_server s;
	fc_http_req r;
	(void)state;

	lb_start(&s, &c500);
	req(&r, "GET", s.url, 5000);
	run1(&r);
	assert_false(r.failed); /* an answer is an answer: the caller judges 500 */
	assert_int_equal(r.status, 500);
	assert_int_equal(r.attempts, 3);
	assert_string_equal(fc_buf_cstr(&r.resp), "{\"error\":\"boom\"}");
	fc_http_req_clear(&r);
	lb_stop(&s);

	lb_start(&s, &c404);
	req(&r, "GET", s.url, 5000);
	run1(&r);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.attempts, 1);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__retries_stay_within_the_deadline(void **state)
{
	lb_config cfg = { .mode = LB_STATUS, .status = 503, .body = "{}" };
	lb_server s;
	fc_http_req r;
	int64_t t0;
	(void)state;

	lb_start(&s, &cfg);
	req(&r, "GET", s.url, 250);
	r.retries = 10;
	t0 = fc_http_now_ms();
	run1(&r);
	assert_int_equal(r.status, 503);
	assert_true(r.attempts < 10);
	assert_true(fc_http_now_ms() - t0 < 1000);
	fc_http_req_clear(&r);
	lb_stop(&s);
}

static void test_fc_http__requests_run_in_parallel(void **state)
{
	lb_config cfg = { .mode = LB_V1, .delay_ms = 300 };
	lb_server s;
	fc_http_req r[12];
	fc_http *h = fc_http_new();
	char url[128];
	int64_t t0, took;
	(void)state;

	lb_start(&s, &cfg);
	snprintf(url, sizeof(url), "%s/v1/flags", s.url);
	for (int i = 0; i < 12; i++) {
		req(&r[i], "GET", url, 5000);
		fc_http_add(h, &r[i]);
	}
	t0 = fc_http_now_ms();
	assert_ok(fc_http_run(h));
	took = fc_http_now_ms() - t0;
	for (int i = 0; i < 12; i++) {
		assert_int_equal(r[i].status, 200);
		fc_http_req_clear(&r[i]);
	}
	/* sequential would be 3.6 s; at most 8 connections per host: two rounds */
	assert_true(took < 2500);
	fc_http_free(h);
	lb_stop(&s);
}

typedef struct {
	fc_http *h;
	fc_http_req second;
	int calls;
	char url[128];
} chain_ctx;

static void chain_done(fc_http_req *r, void *ctx)
{
	chain_ctx *c = ctx;
	c->calls++;
	if (c->calls == 1 && r->status == 200) {
		req(&c->second, "GET", c->url, 3000);
		c->second.done = chain_done;
		c->second.ctx = c;
		fc_http_add(c->h, &c->second);
	}
}

static void test_fc_http__done_callback_may_add_requests(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server s;
	fc_http_req first;
	chain_ctx c = { 0 };
	(void)state;

	lb_start(&s, &cfg);
	c.h = fc_http_new();
	snprintf(c.url, sizeof(c.url), "%s/v1/flags", s.url);
	req(&first, "GET", c.url, 3000);
	first.done = chain_done;
	first.ctx = &c;
	fc_http_add(c.h, &first);
	assert_ok(fc_http_run(c.h));
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.second.status, 200);
	assert_int_equal(lb_count(&s, "GET "), 2);
	fc_http_req_clear(&first);
	fc_http_req_clear(&c.second);
	fc_http_free(c.h);
	lb_stop(&s);
}

static void test_fc_http__only_http_and_https(void **state)
{
	fc_http_req r;
	(void)state;

	req(&r, "GET", "file:///etc/passwd", 1000);
	run1(&r);
	assert_true(r.failed);
	assert_int_equal(r.resp.len, 0);
	fc_http_req_clear(&r);
}

static void test_fc_http__escape(void **state)
{
	char *e = fc_http_escape("a.b-c_d~e f&g=h/é");
	(void)state;
	assert_string_equal(e, "a.b-c_d~e%20f%26g%3Dh%2F%C3%A9");
	free(e);
	assert_string_equal(fc_http_reason(404), "Not Found");
	assert_string_equal(fc_http_reason(599), "");
}

/* ---- TLS: a self-signed certificate served by `openssl s_server` ---- */

static int have_openssl(void)
{
	return system("command -v openssl >/dev/null 2>&1") == 0;
}

static void test_fc_http__tls_untrusted_certificate_is_refused(void **state)
{
	char *dir, *cmd, url[64];
	int port, ok = 0;
	pid_t pid;
	fc_http_req r;
	(void)state;

	if (!have_openssl()) {
		print_message("skipped: the openssl command is not installed (Debian package 'openssl')\n");
		skip();
	}
	dir = unit_tmpdir();
	cmd = fc_asprintf("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
			  "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir);
	if (system(cmd) != 0)
		fail_msg("openssl req failed");
	free(cmd);
	port = lb_dead_port();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char acc[32], cert[PATH_MAX], key[PATH_MAX];
		int devnull = open("/dev/null", O_RDWR);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(acc, sizeof(acc), "127.0.0.1:%d", port);
		snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
		snprintf(key, sizeof(key), "%s/key.pem", dir);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execlp("openssl", "openssl", "s_server", "-accept", acc, "-cert", cert, "-key", key, "-www", "-quiet",
		       (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	/* wait for the listener */
	for (int i = 0; i < 100 && !ok; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (!ok)
			usleep(50000);
	}
	assert_true(ok);

	/* the TLS handshake is part of the connect time: slow under valgrind, so generous here */
	req(&r, "GET", url, 30000);
	r.connect_timeout_ms = 20000;
	r.retries = 0;
	run1(&r);
	assert_true(r.failed);
	assert_contains(r.error, "not trusted");
	fc_http_req_clear(&r);

	req(&r, "GET", url, 30000);
	r.connect_timeout_ms = 20000;
	r.tls_verify = 0;
	run1(&r);
	assert_false(r.failed);
	assert_int_equal(r.status, 200);
	fc_http_req_clear(&r);

	cmd = fc_asprintf("%s/cert.pem", dir);
	req(&r, "GET", url, 5000);
	r.ca_file = cmd;
	run1(&r);
	assert_false(r.failed);
	assert_int_equal(r.status, 200);
	fc_http_req_clear(&r);
	free(cmd);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unit_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_http__get_and_exact_request),
		cmocka_unit_test(test_fc_http__put_body_and_token),
		cmocka_unit_test(test_fc_http__connection_refused_is_retried_then_unreachable),
		cmocka_unit_test(test_fc_http__hung_server_times_out_at_the_deadline),
		cmocka_unit_test(test_fc_http__stopped_server_times_out),
		cmocka_unit_test(test_fc_http__huge_body_is_cut_off),
		cmocka_unit_test(test_fc_http__5xx_is_retried_then_succeeds),
		cmocka_unit_test(test_fc_http__500_after_retries_and_404_not_retried),
		cmocka_unit_test(test_fc_http__retries_stay_within_the_deadline),
		cmocka_unit_test(test_fc_http__requests_run_in_parallel),
		cmocka_unit_test(test_fc_http__done_callback_may_add_requests),
		cmocka_unit_test(test_fc_http__only_http_and_https),
		cmocka_unit_test(test_fc_http__escape),
		cmocka_unit_test(test_fc_http__tls_untrusted_certificate_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
