#include <stdio.h>

#include "core/version.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("myshift %s\n", MS_VERSION);
	return 0;
}
