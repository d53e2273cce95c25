/* dlopen() on first use: see fc_dl.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "fc_dl.h"
#include "fc_error.h"

static int load(fc_dl_lib *lib)
{
	const char *name = getenv(lib->env), *err;
	void *h;

	if (!name || !*name)
		name = lib->soname;
	if (!(h = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
		err = dlerror();
		snprintf(lib->why, sizeof(lib->why), "cannot load %s (%.80s): %.120s", lib->what, name,
			 err ? err : "not found");
		return -1;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *f = dlsym(h, lib->syms[i].name);
		if (!f) {
			snprintf(lib->why, sizeof(lib->why), "%s (%.80s) has no %s(): it is older than ficus needs (%s)",
				 lib->what, name, lib->syms[i].name, lib->need);
			return -1;
		}
		/* POSIX: a data pointer from dlsym() converts to a function pointer */
		*(void **)((char *)lib->table + lib->syms[i].off) = f;
	}
	return 1;
}

int fc_dl_open(fc_dl_lib *lib)
{
	int loaded;

	pthread_mutex_lock(&lib->lock);
	if (!lib->loaded)
		lib->loaded = load(lib);
	loaded = lib->loaded;
	pthread_mutex_unlock(&lib->lock);
	if (loaded < 0)
		return fc_error_set(FC_ERROR, "%s", lib->why);
	return 0;
}
