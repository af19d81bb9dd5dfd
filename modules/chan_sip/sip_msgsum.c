/* sip_msgsum.c: the RFC 3842 message-summary body. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip_msgsum.h"

int sip_msgsum_format(char *out, size_t size, const char *account, unsigned new_msgs, unsigned old_msgs)
{
	if (account && strpbrk(account, "\r\n"))
		return -EINVAL;
	/* §5: the lamp is on while any message is new; old ones alone leave it off. */
	int n = snprintf(out, size, "Messages-Waiting: %s\r\n%s%s%sVoice-Message: %u/%u\r\n",
			 new_msgs ? "yes" : "no", account ? "Message-Account: " : "", account ? account : "",
			 account ? "\r\n" : "", new_msgs, old_msgs);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
