//! Compiles the etcd v3 API in proto/ with protox, so no protoc is needed on the build machine,
//! and writes its descriptor set to OUT_DIR for `--print-curl`'s JSON rendering.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "kv.proto",
        "auth.proto",
        "rpc.proto",
        "v3lock.proto",
        "v3election.proto",
    ];
    println!("cargo:rerun-if-changed=proto");
    let mut compiler = protox::Compiler::new(["proto"])?;
    compiler.include_imports(true).open_files(files)?;
    // The descriptors without comments, embedded for `--print-curl` (see src/observe/curl.rs).
    compiler.include_source_info(false);
    let out_dir = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR unset")?);
    std::fs::write(
        out_dir.join("etcd_descriptors.bin"),
        compiler.encode_file_descriptor_set(),
    )?;
    compiler.include_source_info(true);
    tonic_prost_build::configure()
        .build_server(false)
        .compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
