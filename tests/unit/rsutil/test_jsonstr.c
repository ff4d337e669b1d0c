/* JSON string escaping as Go's encoding/json does it: always valid JSON,
 * whatever the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "runsc/jsonstr.h"

static void check(const char *in, size_t n, const char *want)
{
	char buf[256];
	size_t need = rs_json_escape(buf, sizeof(buf), in, n);
	assert_string_equal(buf, want);
	assert_int_equal(need, strlen(want));
}

static void test_plain_and_named_escapes(void **state)
{
	(void)state;
	check("abc", 3, "\"abc\"");
	check("", 0, "\"\"");
	check("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check("\n\r\t", 3, "\"\\n\\r\\t\"");
	check("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
	/* Go's HTML-safe defaults. */
	check("<a&b>", 5, "\"\\u003ca\\u0026b\\u003e\"");
	check("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/* An embedded NUL is data, not the end. */
	check("a\0b", 3, "\"a\\u0000b\"");
	/* Valid UTF-8 passes as it is. */
	check("\xc3\xa9\xf0\x9f\x98\x80", 6, "\"\xc3\xa9\xf0\x9f\x98\x80\"");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	check("\xff", 1, "\"\\ufffd\"");
	check("a\x80", 2, "\"a\\ufffd\"");
	/* Overlong, surrogate, beyond U+10FFFF, cut short. */
	check("\xc0\x80", 2, "\"\\ufffd\\ufffd\"");
	check("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check("\xe2\x80", 2, "\"\\ufffd\\ufffd\"");
}

static void test_cut_between_escapes(void **state)
{
	(void)state;
	char buf[8];
	/* "\"ab\\u003c" needs 10: cut before the escape, not in it. */
	size_t need = rs_json_escape(buf, sizeof(buf), "ab<cd", 5);
	assert_int_equal(need, strlen("\"ab\\u003ccd\""));
	assert_string_equal(buf, "\"ab");
	need = rs_json_escape(buf, 1, "abc", 3);
	assert_string_equal(buf, "");
	assert_int_equal(need, 5);
	/* Exactly fitting. */
	char fit[6];
	assert_int_equal(rs_json_escape(fit, sizeof(fit), "abc", 3), 5);
	assert_string_equal(fit, "\"abc\"");
	assert_int_equal(rs_json_escape(NULL, 0, "abc", 3), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_named_escapes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_cut_between_escapes),
	};
	return cmocka_run_group_tests_name("rsutil/jsonstr", tests, NULL, NULL);
}
