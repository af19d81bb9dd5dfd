/* test_presence_docs.c: chan_sip's presence documents: XML escaping, RFC 4235
 * dialog-info writing, and PIDF checking, composing, deriving (libxml2). */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <strowger/devstate.h>

#include "dialog_info.h"
#include "pidf.h"

static void test_escape(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(sip_xml_escape("a<b>&\"c'\x01z", out, sizeof(out)), "a&lt;b&gt;&amp;&quot;c&apos;z");
	/* Cut short, never in the middle of an entity. */
	assert_string_equal(sip_xml_escape("ab&cd", out, 5), "ab");
}

static void test_dialog_info(void **state)
{
	(void)state;
	struct sg_leg a = {.id = 7, .state = SG_LEG_EARLY, .start_ms = 1000};
	struct sg_leg b = {.id = 8, .state = SG_LEG_TERMINATED, .cause = SG_CAUSE_CANCELLED, .start_ms = 1000};
	snprintf(a.party.user, sizeof(a.party.user), "1001");
	a.party.dir = SG_LEG_RECIPIENT;
	snprintf(a.party.remote_uri, sizeof(a.party.remote_uri), "sip:1000@pbx");
	snprintf(a.party.remote_name, sizeof(a.party.remote_name), "Alice & Co");
	snprintf(a.party.call_id, sizeof(a.party.call_id), "abc");
	snprintf(a.party.local_tag, sizeof(a.party.local_tag), "lt");
	b.party = a.party;
	b.party.dir = SG_LEG_INITIATOR;
	const struct sg_leg *legs[] = {&a, &b};
	char out[4096];
	int n = sip_dinfo_write(out, sizeof(out), "sip:1001@pbx", 3, legs, 2, 6000);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	assert_non_null(strstr(out, "version=\"3\" state=\"full\" entity=\"sip:1001@pbx\""));
	assert_non_null(strstr(out, "<dialog id=\"leg-7\" call-id=\"abc\" local-tag=\"lt\" direction=\"recipient\">"));
	assert_non_null(strstr(out, "<state>early</state>\n    <duration>5</duration>"));
	assert_non_null(strstr(out, "<identity display=\"Alice &amp; Co\">sip:1000@pbx</identity>"));
	assert_non_null(strstr(out, "direction=\"initiator\">\n    <state event=\"cancelled\">terminated</state>"));
	assert_non_null(strstr(out, "</dialog-info>\n"));
	/* Too small for one dialog: the document stays whole, without it. */
	char small[400];
	n = sip_dinfo_write(small, sizeof(small), "sip:1001@pbx", 0, legs, 2, 6000);
	assert_true(n > 0);
	assert_null(strstr(small, "<dialog "));
	assert_non_null(strstr(small, "</dialog-info>\n"));
	assert_int_equal(sip_dinfo_write(small, 40, "sip:1001@pbx", 0, legs, 2, 6000), -ENOSPC);
}

#define DOC(tuple, basic, note)                                                                                 \
	"<?xml version=\"1.0\"?>\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" "                              \
	"xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" entity=\"sip:1002@pbx\">"                           \
	"<tuple id=\"" tuple "\"><status><basic>" basic "</basic></status><note>" note "</note></tuple>"          \
	"<dm:person id=\"p\"/></presence>"

static void test_pidf_check(void **state)
{
	(void)state;
	char why[200];
	const char *ok = DOC("t1", "open", "hi");
	assert_int_equal(sip_pidf_check(ok, strlen(ok), why, sizeof(why)), 0);
	const char *broken = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\">\n</presnce>";
	assert_int_equal(sip_pidf_check(broken, strlen(broken), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "line 2: "));
	const char *other = "<presence entity=\"x\"/>";
	assert_int_equal(sip_pidf_check(other, strlen(other), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "the root is not a PIDF presence element");
	const char *noent = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>";
	assert_int_equal(sip_pidf_check(noent, strlen(noent), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "the presence element has no entity");
	const char *noid = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><tuple><status/></tuple></presence>";
	assert_int_equal(sip_pidf_check(noid, strlen(noid), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a tuple has no id");
	const char *nostatus = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><tuple id=\"a\"/></presence>";
	assert_int_equal(sip_pidf_check(nostatus, strlen(nostatus), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a tuple has no status");
	/* An external entity is neither fetched nor allowed. */
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
			  "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><note>&e;</note></presence>";
	assert_int_equal(sip_pidf_check(xxe, strlen(xxe), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a DOCTYPE is not allowed");
}

static void test_pidf_compose(void **state)
{
	(void)state;
	const char *newer = DOC("desk", "closed", "newer"), *older = DOC("desk", "open", "older"),
		   *other = DOC("mobile", "open", "mobile");
	const char *docs[] = {newer, older, other};
	size_t lens[] = {strlen(newer), strlen(older), strlen(other)};
	char out[4096];
	int n = sip_pidf_compose(out, sizeof(out), "sip:1002@pbx:5060", docs, lens, 3);
	assert_true(n > 0);
	char why[100];
	assert_int_equal(sip_pidf_check(out, (size_t)n, why, sizeof(why)), 0);
	assert_non_null(strstr(out, "entity=\"sip:1002@pbx:5060\""));
	assert_non_null(strstr(out, "newer"));
	assert_null(strstr(out, "older")); /* the same tuple: the newer says */
	assert_non_null(strstr(out, "mobile"));
	assert_string_equal(sip_pidf_basic(out, (size_t)n), "closed");
	assert_int_equal(sip_pidf_compose(out, 50, "sip:1002@pbx", docs, lens, 3), -ENOSPC);
	assert_true(sip_pidf_covers(newer, lens[0], older, lens[1]));
	assert_false(sip_pidf_covers(other, lens[2], older, lens[1]));
}

static void test_pidf_derived(void **state)
{
	(void)state;
	char out[2048], why[100];
	int n = sip_pidf_derived(out, sizeof(out), "sip:1&2@pbx", true, true);
	assert_true(n > 0);
	assert_int_equal(sip_pidf_check(out, (size_t)n, why, sizeof(why)), 0);
	assert_string_equal(sip_pidf_basic(out, (size_t)n), "open");
	assert_non_null(strstr(out, "entity=\"sip:1&amp;2@pbx\""));
	assert_non_null(strstr(out, "<rpid:on-the-phone/>"));
	n = sip_pidf_derived(out, sizeof(out), "sip:1@pbx", false, false);
	assert_string_equal(sip_pidf_basic(out, (size_t)n), "closed");
	assert_non_null(strstr(out, "<note>Offline</note>"));
	assert_null(strstr(out, "on-the-phone"));
	assert_int_equal(sip_pidf_derived(out, 20, "sip:1@pbx", false, false), -ENOSPC);
}

int main(void)
{
	sip_pidf_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_dialog_info),
		cmocka_unit_test(test_pidf_check),
		cmocka_unit_test(test_pidf_compose),
		cmocka_unit_test(test_pidf_derived),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
