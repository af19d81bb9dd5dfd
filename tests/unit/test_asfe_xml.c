/* test_asfe_xml.c: the as-feature-event bodies (chan_sip's asfe_xml.c): phones'
 * SetDoNotDisturb/SetForwarding requests read, bad ones refused with a reason,
 * entity tricks not expanded, and the multipart state we NOTIFY. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "asfe_xml.h"

#define NS "xmlns=\"http://www.ecma-international.org/standards/ecma-323/csta/ed3\""

static int parse(const char *body, struct asfe_req *r, const char **why)
{
	*why = NULL;
	return asfe_parse(body, strlen(body), r, why);
}

static void test_set_dnd(void **state)
{
	(void)state;
	struct asfe_req r;
	const char *why;
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<SetDoNotDisturb " NS ">\n"
			       "  <device>101</device>\n  <doNotDisturbOn> true </doNotDisturbOn>\n"
			       "  <privateData><x/></privateData>\n</SetDoNotDisturb>",
			       &r, &why),
			 0);
	assert_false(r.forwarding);
	assert_true(r.on);
	assert_string_equal(r.device, "101");
	/* A namespace prefix, no device, "0". */
	assert_int_equal(parse("<c:SetDoNotDisturb xmlns:c=\"urn:x\"><c:doNotDisturbOn>0</c:doNotDisturbOn>"
			       "</c:SetDoNotDisturb>",
			       &r, &why),
			 0);
	assert_false(r.on);
	assert_string_equal(r.device, "");
}

static void test_set_forwarding(void **state)
{
	(void)state;
	struct asfe_req r;
	const char *why;
	assert_int_equal(parse("<SetForwarding " NS "><device>101</device><forwardingType>forwardNoAns"
			       "</forwardingType><activateForward>true</activateForward><forwardDN>sip:105@pbx"
			       "</forwardDN><ringCount>4</ringCount></SetForwarding>",
			       &r, &why),
			 0);
	assert_true(r.forwarding);
	assert_true(r.on);
	assert_int_equal(r.kind, SG_FWD_NOANSWER);
	assert_string_equal(r.dest, "sip:105@pbx");
	assert_int_equal(r.ring_count, 4);
	assert_int_equal(parse("<SetForwarding><forwardingType>forwardBusy</forwardingType>"
			       "<activateForward>false</activateForward></SetForwarding>",
			       &r, &why),
			 0);
	assert_int_equal(r.kind, SG_FWD_BUSY);
	assert_false(r.on);
	assert_string_equal(r.dest, "");
}

/* bad BODY WHY: refused, saying WHY. */
static void bad(const char *body, const char *reason)
{
	struct asfe_req r;
	const char *why;
	assert_int_equal(parse(body, &r, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_refusals(void **state)
{
	(void)state;
	bad("", "Body is not well-formed XML");
	bad("<SetDoNotDisturb><doNotDisturbOn>true", "Body is not well-formed XML");
	bad("<Hello/>", "Not SetDoNotDisturb or SetForwarding");
	bad("<SetDoNotDisturb><device>1</device></SetDoNotDisturb>", "SetDoNotDisturb without doNotDisturbOn");
	bad("<SetDoNotDisturb><doNotDisturbOn>maybe</doNotDisturbOn></SetDoNotDisturb>",
	    "doNotDisturbOn is not true or false");
	bad("<SetForwarding><activateForward>true</activateForward></SetForwarding>",
	    "SetForwarding without forwardingType");
	bad("<SetForwarding><forwardingType>forwardSometimes</forwardingType></SetForwarding>",
	    "forwardingType is not forwardImmediate, forwardBusy or forwardNoAns");
	bad("<SetForwarding><forwardingType>forwardBusy</forwardingType></SetForwarding>",
	    "SetForwarding without activateForward");
	bad("<SetForwarding><ringCount>0</ringCount></SetForwarding>", "ringCount is not a number from 1 to 100");
	char big[ASFE_BODY_MAX + 2];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bad(big, "Body too long");
	char dest[300] = "<SetForwarding><forwardDN>";
	memset(dest + strlen(dest), '9', 200);
	strcpy(dest + strlen(dest), "</forwardDN></SetForwarding>");
	bad(dest, "An element of the request is too long");
}

/* Entities are not expanded into the values (no "billion laughs", no file reads). */
static void test_entities(void **state)
{
	(void)state;
	bad("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;"
	    "&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><SetDoNotDisturb><doNotDisturbOn>&c;"
	    "</doNotDisturbOn></SetDoNotDisturb>",
	    "Body is not well-formed XML"); /* libxml2 stops nested entity growth */
	/* An external entity is not loaded (no XML_PARSE_NOENT, no DTDLOAD): the
	 * value stays empty. */
	bad("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY f SYSTEM \"file:///etc/hostname\">]><SetDoNotDisturb>"
	    "<doNotDisturbOn>&f;</doNotDisturbOn></SetDoNotDisturb>",
	    "doNotDisturbOn is not true or false");
}

static void test_write(void **state)
{
	(void)state;
	struct sg_features f = {.dnd = true, .noanswer_s = 20};
	f.fwd[SG_FWD_BUSY].on = true;
	strcpy(f.fwd[SG_FWD_BUSY].dest, "a<b&c");
	strcpy(f.fwd[SG_FWD_NOANSWER].dest, "105");
	char out[4096];
	int n = asfe_write("101", &f, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(n, (int)strlen(out));
	assert_non_null(strstr(out, "--" ASFE_BOUNDARY "\r\nContent-Type: " ASFE_TYPE "\r\n\r\n"));
	assert_non_null(strstr(out, "<device>101</device><doNotDisturbOn>true</doNotDisturbOn>"));
	assert_non_null(strstr(out, "<forwardingType>forwardImmediate</forwardingType><forwardStatus>false"));
	assert_non_null(strstr(out, "<forwardingType>forwardBusy</forwardingType><forwardStatus>true"
				    "</forwardStatus><forwardTo>a&lt;b&amp;c</forwardTo>"));
	/* 20 s is 3 rings of 6 s, rounded. */
	assert_non_null(strstr(out, "<forwardTo>105</forwardTo><ringCount>3</ringCount>"));
	assert_non_null(strstr(out, "--" ASFE_BOUNDARY "--\r\n"));
	/* Too small a buffer is said, not cut. */
	assert_int_equal(asfe_write("101", &f, out, 300), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_dnd),	      cmocka_unit_test(test_set_forwarding),
		cmocka_unit_test(test_refusals),      cmocka_unit_test(test_entities),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
