/*
 * Part of the glibc compatibility of the Native AOT binary (GlibcCompat.targets): the program's start bound to
 * __libc_start_main@GLIBC_2.2.5, which every glibc has. Since glibc 2.34 the startup code passes no init function
 * and the new __libc_start_main runs the program's constructors itself; an older glibc runs only the init function it
 * is given. So this passes one that runs the preinit and init arrays (and a fini that runs the fini array), which
 * both old and new glibc call for a program started this way.
 */
typedef void (*dockerir_init_fn)(int, char **, char **);
typedef void (*dockerir_fini_fn)(void);

extern dockerir_init_fn __preinit_array_start[] __attribute__((visibility("hidden")));
extern dockerir_init_fn __preinit_array_end[] __attribute__((visibility("hidden")));
extern dockerir_init_fn __init_array_start[] __attribute__((visibility("hidden")));
extern dockerir_init_fn __init_array_end[] __attribute__((visibility("hidden")));
extern dockerir_fini_fn __fini_array_start[] __attribute__((visibility("hidden")));
extern dockerir_fini_fn __fini_array_end[] __attribute__((visibility("hidden")));

static void dockerir_init(int argc, char **argv, char **envp)
{
    for (dockerir_init_fn *f = __preinit_array_start; f < __preinit_array_end; f++)
        (*f)(argc, argv, envp);
    for (dockerir_init_fn *f = __init_array_start; f < __init_array_end; f++)
        (*f)(argc, argv, envp);
}

static void dockerir_fini(void)
{
    for (dockerir_fini_fn *f = __fini_array_end; f > __fini_array_start;)
        (*--f)();
}

typedef int (*dockerir_main_fn)(int, char **, char **);
int dockerir_libc_start_main(dockerir_main_fn main, int argc, char **argv, dockerir_init_fn init, dockerir_fini_fn fini,
                             dockerir_fini_fn rtld_fini, void *stack_end);
__asm__(".symver dockerir_libc_start_main, __libc_start_main@GLIBC_2.2.5");

int __wrap___libc_start_main(dockerir_main_fn main, int argc, char **argv, dockerir_init_fn init, dockerir_fini_fn fini,
                             dockerir_fini_fn rtld_fini, void *stack_end)
{
    (void)init;
    (void)fini;
    return dockerir_libc_start_main(main, argc, argv, dockerir_init, dockerir_fini, rtld_fini, stack_end);
}
