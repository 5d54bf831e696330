//! outpost's build, written for exactly Zig 0.14.1 (installed from the
//! `ziglang` package on PyPI by tools/dev). Everything it compiles is C17.
//!
//!   zig build            -> zig-out/bin/outpost
//!   zig build tests      -> zig-out/tests/test_* (the unit-test binaries)
//!   zig build bench      -> zig-out/bench/load and zig-out/bench/ceiling
//!                           (the load generator and the reference server
//!                           of the benchmarks in tests/bench)
//!   zig build fuzz       -> zig-out/fuzz/fuzz_* (libFuzzer targets, built
//!                           with the system's clang: see addFuzz)
//!   zig build test       -> all of them, then every test: unit (C) and end
//!                           to end under valgrind, the fuzz targets over
//!                           their corpus and briefly (tests/run)
//!
//! The target CPU is the architecture's baseline unless -Dcpu says
//! otherwise (-Dcpu=native tunes for this machine).

const std = @import("std");
const builtin = @import("builtin");

comptime {
    const pinned = std.SemanticVersion{ .major = 0, .minor = 14, .patch = 1 };
    if (builtin.zig_version.order(pinned) != .eq)
        @compileError("outpost's build.zig is written for Zig 0.14.1; run tools/dev, which installs it");
}

/// llhttp's generated C sources and header, from Debian's node-llhttp.
const llhttp_src = "/usr/share/llhttp";
const llhttp_inc = "/usr/share/include/llhttp";

const our_flags = [_][]const u8{
    "-std=c17",
    "-D_GNU_SOURCE",
    "-Wall",
    "-Wextra",
    "-Werror",
    // Most of our functions that ignore a parameter implement a fixed
    // signature (struct proto's callbacks, libuv's, the snapshot's
    // visitors), so the warning would only ask for `(void)x;` casts that
    // say nothing; we keep the flag and write no such casts.
    "-Wno-unused-parameter",
    "-fno-omit-frame-pointer",
};

/// Lists the .c files of one directory, sorted, leaving out `skip`.
fn cFiles(b: *std.Build, dir_path: []const u8, skip: []const []const u8) []const []const u8 {
    var list = std.ArrayList([]const u8).init(b.allocator);
    var dir = b.build_root.handle.openDir(dir_path, .{ .iterate = true }) catch
        @panic("cannot open a source directory");
    defer dir.close();
    var it = dir.iterate();
    outer: while (it.next() catch @panic("cannot list a source directory")) |entry| {
        if (entry.kind != .file or !std.mem.endsWith(u8, entry.name, ".c")) continue;
        for (skip) |s| if (std.mem.eql(u8, s, entry.name)) continue :outer;
        list.append(b.fmt("{s}/{s}", .{ dir_path, entry.name })) catch @panic("OOM");
    }
    std.mem.sort([]const u8, list.items, {}, struct {
        fn lt(_: void, a: []const u8, c: []const u8) bool {
            return std.mem.lessThan(u8, a, c);
        }
    }.lt);
    return list.items;
}

/// The fuzz targets: one libFuzzer binary per tests/fuzz/fuzz_*.c,
/// installed to zig-out/fuzz/. Zig's own `zig cc` has no libFuzzer (nor
/// AddressSanitizer) runtime, so these are built by the system's clang
/// (Debian's clang 14 with libclang-rt-14-dev), run from Run steps: each
/// source file is compiled once into an object that every target links,
/// and clang's dependency file (-MD) tells Zig's cache which headers each
/// object read, so an edited header rebuilds exactly what includes it.
/// They are built for clang's default CPU at -O1, whatever -Dcpu and
/// -Doptimize say: they exist to find bugs, not to be shipped.
/// Every .c file of the program but main(), lowest layer first:
/// store/common (the basics every layer may use), the store, the
/// protocols, the server and its command line.
fn coreFiles(b: *std.Build) []const []const u8 {
    var list = std.ArrayList([]const u8).init(b.allocator);
    list.appendSlice(cFiles(b, "store/common", &.{})) catch @panic("OOM");
    list.appendSlice(cFiles(b, "store", &.{})) catch @panic("OOM");
    list.appendSlice(cFiles(b, "protocols", &.{})) catch @panic("OOM");
    list.appendSlice(cFiles(b, "server", &.{"main.c"})) catch @panic("OOM");
    list.appendSlice(cFiles(b, "server/cli", &.{})) catch @panic("OOM");
    return list.items;
}

fn addFuzz(b: *std.Build) *std.Build.Step {
    const step = b.step("fuzz", "Build the libFuzzer targets (system clang) into zig-out/fuzz/");
    const sanitize = [_][]const u8{
        "-fsanitize=fuzzer,address,undefined",
        "-fno-sanitize-recover=undefined",
        "-g",
        "-O1",
    };
    const ours = sanitize ++ our_flags ++ [_][]const u8{"-I" ++ llhttp_inc};
    // llhttp keeps its own flags, as in the main build: instrumented for
    // coverage and memory errors, not held to our warnings or UB checks.
    const theirs = [_][]const u8{
        "-fsanitize=fuzzer,address", "-g", "-O1", "-std=c99", "-w",
        "-I" ++ llhttp_inc,
    };

    var objects = std.ArrayList(std.Build.LazyPath).init(b.allocator);
    for ([_][]const u8{ "api.c", "http.c", "llhttp.c" }) |name| {
        const src: std.Build.LazyPath = .{ .cwd_relative = b.fmt("{s}/{s}", .{ llhttp_src, name }) };
        objects.append(clangObject(b, src, b.fmt("llhttp/{s}", .{name}), &theirs)) catch @panic("OOM");
    }
    // Everything but main(), the unit tests' fixture, and the fuzz
    // support files (tests/fuzz/*.c that are not fuzz_*.c).
    var sources = std.ArrayList([]const u8).init(b.allocator);
    sources.appendSlice(coreFiles(b)) catch @panic("OOM");
    sources.append("tests/unit/fixture.c") catch @panic("OOM");
    var targets = std.ArrayList([]const u8).init(b.allocator);
    for (cFiles(b, "tests/fuzz", &.{})) |path| {
        if (std.mem.startsWith(u8, std.fs.path.basename(path), "fuzz_"))
            targets.append(path) catch @panic("OOM")
        else
            sources.append(path) catch @panic("OOM");
    }
    for (sources.items) |path|
        objects.append(clangObject(b, b.path(path), path, &ours)) catch @panic("OOM");

    for (targets.items) |path| {
        const base = std.fs.path.basename(path);
        const name = base[0 .. base.len - 2];
        const link = b.addSystemCommand(&.{"clang"});
        link.setName(b.fmt("clang -o fuzz/{s}", .{name}));
        link.addArgs(&sanitize);
        link.addFileArg(clangObject(b, b.path(path), path, &ours));
        for (objects.items) |o| link.addFileArg(o);
        link.addArg("-o");
        const exe = link.addOutputFileArg(name);
        link.addArgs(&.{ "-luv", "-lsqlite3", "-lz", "-lsodium", "-lsystemd" });
        const inst = b.addInstallFileWithDir(exe, .{ .custom = "fuzz" }, name);
        step.dependOn(&inst.step);
    }
    return step;
}

/// `clang -c` of one file into an object in Zig's cache, with its
/// dependency file.
fn clangObject(b: *std.Build, src: std.Build.LazyPath, label: []const u8, flags: []const []const u8) std.Build.LazyPath {
    const cc = b.addSystemCommand(&.{"clang"});
    cc.setName(b.fmt("clang -c {s}", .{label}));
    cc.addArgs(flags);
    cc.addArgs(&.{ "-c", "-MD", "-MF" });
    _ = cc.addDepFileOutputArg("obj.d");
    cc.addFileArg(src);
    cc.addArg("-o");
    return cc.addOutputFileArg("obj.o");
}

/// The release, as in build.zig.zon; -Dversion overrides it (a
/// distribution's own version string).
const release = "0.1.0";

/// -DOUTPOST_VERSION="..." for server/main.c: the release and, when the
/// source is a git checkout and git is installed, the commit it was built
/// from (`git describe --always --dirty`, tags left out, so always the
/// hash). Without git, or outside a checkout (a source tarball), the
/// release alone: the version never fails the build.
fn versionFlag(b: *std.Build) []const u8 {
    const version = b.option([]const u8, "version", "The version string of `outpost --version` (default: " ++ release ++ ")") orelse release;
    for (version) |c| if (!std.ascii.isAlphanumeric(c) and std.mem.indexOfScalar(u8, ".+-~_", c) == null)
        @panic("-Dversion: only letters, digits and . + - ~ _");
    var code: u8 = 0;
    const described = b.runAllowFail(&.{ "git", "-C", b.build_root.path orelse ".", "describe", "--always", "--dirty", "--abbrev=12", "--exclude=*" }, &code, .Ignore) catch "";
    const commit = std.mem.trim(u8, described, " \t\r\n");
    const clean = for (commit) |c| {
        if (!std.ascii.isAlphanumeric(c) and std.mem.indexOfScalar(u8, ".+-_", c) == null) break false;
    } else true;
    if (commit.len == 0 or !clean)
        return b.fmt("-DOUTPOST_VERSION=\"{s}\"", .{version});
    return b.fmt("-DOUTPOST_VERSION=\"{s} ({s})\"", .{ version, commit });
}

fn linkDeps(c: *std.Build.Step.Compile) void {
    c.linkLibC();
    c.linkSystemLibrary("uv");
    c.linkSystemLibrary("sqlite3");
    c.linkSystemLibrary("z");
    c.linkSystemLibrary("sodium");
    // Socket activation: sd_listen_fds_with_names (server/sockets.c).
    c.linkSystemLibrary("libsystemd");
    c.addIncludePath(.{ .cwd_relative = llhttp_inc });
}

fn linkAll(c: *std.Build.Step.Compile, core: *std.Build.Step.Compile, llhttp: *std.Build.Step.Compile) void {
    c.linkLibrary(core);
    c.linkLibrary(llhttp);
    linkDeps(c);
}

pub fn build(b: *std.Build) void {
    // A portable CPU unless told otherwise: the baseline of the
    // architecture (x86-64 v1, generic aarch64), so that a build runs on any
    // machine of its kind and under valgrind, which cannot decode every
    // newer instruction (AVX-512 among them). -Dcpu=native tunes for the
    // building machine; -Dcpu=x86_64_v3 for a known fleet.
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_model = .baseline } });
    // ReleaseSafe unless told otherwise: a status server is built to be run,
    // and -O2 with Zig's UB traps rebuilds a snapshot over twice as fast
    // as Debug while still trapping undefined behaviour.
    // (-Doptimize=Debug for a debugger.)
    const optimize = b.option(std.builtin.OptimizeMode, "optimize", "Debug, ReleaseSafe (default), ReleaseFast or ReleaseSmall") orelse .ReleaseSafe;

    // Third-party code gets its own flags: not our warnings, no UB traps.
    const llhttp = b.addStaticLibrary(.{ .name = "llhttp", .target = target, .optimize = optimize });
    llhttp.addCSourceFiles(.{
        .root = .{ .cwd_relative = llhttp_src },
        .files = &.{ "api.c", "http.c", "llhttp.c" },
        .flags = &.{ "-std=c99", "-fno-sanitize=undefined", "-w" },
    });
    llhttp.addIncludePath(.{ .cwd_relative = llhttp_inc });
    llhttp.linkLibC();

    // Everything but main(): the binary and every unit test link this.
    const core = b.addStaticLibrary(.{ .name = "outpost-core", .target = target, .optimize = optimize });
    core.addCSourceFiles(.{ .files = coreFiles(b), .flags = &our_flags });
    // A static library only needs the headers; the system libraries are
    // linked into the executables (linking them here makes LLD complain).
    core.linkLibC();
    core.addIncludePath(.{ .cwd_relative = llhttp_inc });
    core.addSystemIncludePath(.{ .cwd_relative = "/usr/include" });

    const exe = b.addExecutable(.{ .name = "outpost", .target = target, .optimize = optimize });
    var main_flags = std.ArrayList([]const u8).init(b.allocator);
    main_flags.appendSlice(&our_flags) catch @panic("OOM");
    main_flags.append(versionFlag(b)) catch @panic("OOM");
    exe.addCSourceFiles(.{ .files = &.{"server/main.c"}, .flags = main_flags.items });
    // tools/package builds a position-independent executable, as Debian
    // builds every binary (address-space randomisation for a service that
    // faces the Internet); the default build stays as it is benchmarked.
    exe.pie = b.option(bool, "pie", "Build a position-independent executable (tools/package does)") orelse false;
    linkAll(exe, core, llhttp);
    b.installArtifact(exe);
    // The manual pages, installed beside the binary (zig-out/share/man),
    // so that `--prefix /usr` lays out what a package ships.
    b.installFile("tools/man/outpost.1", "share/man/man1/outpost.1");
    b.installFile("tools/man/outpost.conf.5", "share/man/man5/outpost.conf.5");

    // Unit tests: one binary per tests/unit/test_*.c, installed to
    // zig-out/tests/ so tests/run can execute each under valgrind.
    const install_tests = b.step("tests", "Build the unit-test binaries");
    // Files in tests/unit that are not test_*.c (testlib.c, fixture.c) are
    // support code linked into every test binary.
    var support = std.ArrayList([]const u8).init(b.allocator);
    for (cFiles(b, "tests/unit", &.{})) |path| {
        if (!std.mem.startsWith(u8, std.fs.path.basename(path), "test_"))
            support.append(path) catch @panic("OOM");
    }
    for (cFiles(b, "tests/unit", &.{})) |path| {
        const base = std.fs.path.basename(path);
        if (!std.mem.startsWith(u8, base, "test_")) continue;
        const t = b.addExecutable(.{ .name = base[0 .. base.len - 2], .target = target, .optimize = optimize });
        var files = std.ArrayList([]const u8).init(b.allocator);
        files.append(path) catch @panic("OOM");
        files.appendSlice(support.items) catch @panic("OOM");
        t.addCSourceFiles(.{ .files = files.items, .flags = &our_flags });
        linkAll(t, core, llhttp);
        const inst = b.addInstallArtifact(t, .{ .dest_dir = .{ .override = .{ .custom = "tests" } } });
        install_tests.dependOn(&inst.step);
    }

    // The benchmark's load generator (HTTP and the line protocols) and its
    // reference server, the ceiling: plain sockets and epoll, no project
    // code, so they link nothing but libc. Both are always optimised,
    // whatever -Doptimize says, so that the loader's own cost stays small
    // next to the servers it measures and the ceiling is a real one. The
    // benchmarks are long runs with their own commands (tools/dev bench,
    // tools/dev scale), but the tools themselves are tested in the suite
    // (tests/e2e/test_loadgen.sh), so `zig build test` builds them.
    const install_bench = b.step("bench", "Build the benchmark's load generator and ceiling server (zig-out/bench/)");
    for ([_][]const u8{ "load", "ceiling" }) |name| {
        const tool = b.addExecutable(.{ .name = name, .target = target, .optimize = .ReleaseFast });
        tool.addCSourceFiles(.{ .files = &.{b.fmt("tests/bench/{s}.c", .{name})}, .flags = &our_flags });
        tool.linkLibC();
        const inst = b.addInstallArtifact(tool, .{ .dest_dir = .{ .override = .{ .custom = "bench" } } });
        install_bench.dependOn(&inst.step);
    }
    const fuzz = addFuzz(b);

    // `zig build test`: build everything, then run tests/run, which runs the
    // unit tests, the fuzz targets and the end-to-end suite and prints
    // "N passed, N failed".
    const run = b.addSystemCommand(&.{ "bash", "tests/run" });
    run.setCwd(b.path("."));
    run.setEnvironmentVariable("OUTPOST_BIN", b.getInstallPath(.bin, "outpost"));
    run.setEnvironmentVariable("OUTPOST_TESTS", b.getInstallPath(.{ .custom = "tests" }, ""));
    run.setEnvironmentVariable("OUTPOST_BENCH", b.getInstallPath(.{ .custom = "bench" }, ""));
    const portable = target.query.cpu_model == .baseline;
    run.setEnvironmentVariable("OUTPOST_PORTABLE_BUILD", if (portable) "1" else "0");
    run.step.dependOn(b.getInstallStep());
    run.step.dependOn(install_tests);
    run.step.dependOn(install_bench);
    run.step.dependOn(fuzz);
    run.setEnvironmentVariable("OUTPOST_FUZZ", b.getInstallPath(.{ .custom = "fuzz" }, ""));
    run.has_side_effects = true;
    run.stdio = .inherit;
    const test_step = b.step("test", "Run every test: unit and end to end under valgrind, the fuzz targets");
    test_step.dependOn(&run.step);
}
