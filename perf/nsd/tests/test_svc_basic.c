/* Echo, discard and chargen as stream services: echo returns every byte
 * in order through its bounded ring and pushes back when it is full,
 * discard swallows everything, chargen follows RFC 864's line pattern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "svc.h"

static struct nsd_counters counters;
static const struct nsd_svc_env env = { .counters = &counters };

static void test_echo_in_order_with_backpressure(void **unused)
{
	(void)unused;
	const struct nsd_svc_ops *ops = &nsd_echo_ops;
	void *st = ops->open(&env);
	assert_non_null(st);
	size_t total = 300000;
	uint8_t *in = malloc(total), *out = malloc(total);
	assert_non_null(in);
	assert_non_null(out);
	for (size_t i = 0; i < total; i++)
		in[i] = (uint8_t)(i * 7 + i / 251);
	size_t fed = 0, got = 0;
	bool saw_full = false;
	/* Feed in big pieces, drain in small odd ones: the ring fills and
	 * wraps many times. */
	while (got < total) {
		size_t n =
			ops->input(st, in + fed,
				   total - fed < 100000 ? total - fed : 100000);
		if (n < (total - fed < 100000 ? total - fed : 100000))
			saw_full = true;
		fed += n;
		got += ops->output(st, out + got, 9973);
		assert_int_equal(ops->state(st), NSD_SVC_ACTIVE);
	}
	assert_true(saw_full);
	assert_memory_equal(in, out, total);
	ops->input_end(st);
	assert_int_equal(ops->state(st), NSD_SVC_DONE);
	ops->close(st);
	free(in);
	free(out);

	/* After the peer's FIN, what is held still goes out first. */
	st = ops->open(&env);
	assert_int_equal(ops->input(st, (const uint8_t *)"abc", 3), 3);
	ops->input_end(st);
	assert_int_equal(ops->state(st), NSD_SVC_ACTIVE);
	uint8_t buf[8];
	assert_int_equal(ops->output(st, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(ops->state(st), NSD_SVC_DONE);
	ops->close(st);
}

static void test_discard(void **unused)
{
	(void)unused;
	const struct nsd_svc_ops *ops = &nsd_discard_ops;
	void *st = ops->open(&env);
	assert_non_null(st);
	static uint8_t big[1 << 20];
	assert_int_equal(ops->input(st, big, sizeof(big)), sizeof(big));
	uint8_t out[16];
	assert_int_equal(ops->output(st, out, sizeof(out)), 0);
	assert_int_equal(ops->state(st), NSD_SVC_ACTIVE);
	ops->input_end(st);
	assert_int_equal(ops->state(st), NSD_SVC_DONE);
	ops->close(st);
}

static void test_chargen_pattern(void **unused)
{
	(void)unused;
	const struct nsd_svc_ops *ops = &nsd_chargen_ops;
	void *st = ops->open(&env);
	assert_non_null(st);
	/* Two periods and a bit, in odd pieces. */
	size_t total = 2 * 95 * 74 + 500;
	char *out = malloc(total);
	assert_non_null(out);
	for (size_t got = 0; got < total;) {
		size_t want = total - got < 333 ? total - got : 333;
		assert_int_equal(ops->output(st, (uint8_t *)out + got, want),
				 want);
		got += want;
	}
	for (size_t line = 0; line < total / 74; line++) {
		const char *l = out + line * 74;
		for (int i = 0; i < 72; i++)
			assert_int_equal(l[i], ' ' + (int)((line + i) % 95));
		assert_memory_equal(l + 72, "\r\n", 2);
	}
	/* Input is ignored and the stream goes on after the peer's FIN. */
	assert_int_equal(ops->input(st, (const uint8_t *)"x", 1), 1);
	ops->input_end(st);
	assert_int_equal(ops->state(st), NSD_SVC_ACTIVE);
	ops->close(st);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_in_order_with_backpressure),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_chargen_pattern),
	};
	return cmocka_run_group_tests_name("nsd/svc_basic", tests, NULL, NULL);
}
