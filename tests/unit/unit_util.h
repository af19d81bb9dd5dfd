/* unit_util.h: helpers several unit tests share (include after <cmocka.h>). */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Runs fn in a child process and returns its exit status, or 128 + the signal
 * that ended it: a crash or a sanitizer report then fails only the one test. No
 * cmocka asserts inside fn: it returns 0 when all is well, else a code of its own.
 */
static inline int in_child(int (*fn)(void))
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	assert_true(pid > 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
