//! `cargo xtask build-cuda`: builds `precis` with `--features cuda` on a machine without a GPU or a
//! system CUDA toolkit, from NVIDIA's CUDA 13.0 Python wheels fetched through pip.
//!
//! Why wheels: candle compiles its kernels for the GPU's compute capability with nvcc (`sm_90a` for
//! H100/H200), which distribution toolkits as old as CUDA 11.8 cannot target, and the binary must
//! load the same CUDA major version the GPU machine has (13, driver 580). nvcc is pinned to 13.0.x:
//! PTX from a newer nvcc may not load on a 13.0 driver.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::status;

/// Wheels of the toolkit (compiler, headers) and of the libraries cudarc links against.
const WHEELS: &[&str] = &[
    "nvidia-cuda-nvcc==13.0.*",
    "nvidia-cuda-crt==13.0.*",
    "nvidia-nvvm==13.0.*",
    "nvidia-cuda-cccl==13.0.*",
    "nvidia-cuda-runtime==13.0.*",
    "nvidia-cuda-nvrtc==13.0.*",
    "nvidia-cublas==13.1.*",
    "nvidia-curand==10.4.*",
];

/// What `--help` of the task says.
pub const USAGE: &str = "cargo xtask build-cuda [--compute-cap 90]";

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let compute_cap = match args {
        [] => "90".to_string(),
        [flag, cap] if flag == "--compute-cap" && cap.chars().all(|c| c.is_ascii_digit()) => cap.clone(),
        _ => bail!("usage: {USAGE}"),
    };
    let home = crate::cache_dir("PRECIS_CUDA_TOOLKIT", "cuda-13.0")?;
    let cuda_home = home.join("site/nvidia/cu13");
    if !cuda_home.join("bin/nvcc").is_file() {
        fetch_toolkit(&home)?;
    }
    let lib = cuda_home.join("lib");
    link_unversioned(&lib)?;
    let stub_dir = home.join("stub");
    build_libcuda_stub(&cuda_home.join("include/cuda.h"), &stub_dir)?;

    let path = format!("{}:{}", cuda_home.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let library_path = format!("{}:{}", lib.display(), stub_dir.display());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let args = ["build", "--release", "--features", "cuda", "--bin", "precis", "--target-dir", "target/cuda"];
    eprintln!("$ CUDA_HOME={} CUDA_COMPUTE_CAP={compute_cap} cargo {}", cuda_home.display(), args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env("CUDA_HOME", &cuda_home)
        .env("CUDA_PATH", &cuda_home)
        .env("CUDA_COMPUTE_CAP", &compute_cap)
        .env("PATH", path)
        .env("LIBRARY_PATH", &library_path)
        .env("RUSTFLAGS", format!("-L native={} -L native={}", lib.display(), stub_dir.display()))
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the CUDA build failed ({status})");
    }
    let binary = root.join("target/cuda/release/precis");
    println!("built {}", binary.display());
    println!(
        "On the GPU machine (driver 580 / CUDA 13): copy the binary and the model folder, install the runtime\n\
         libraries with `pip install nvidia-cuda-runtime==13.0.* nvidia-cuda-nvrtc==13.0.* nvidia-cublas==13.1.* \
         nvidia-curand==10.4.*` (or copy {lib}), then\n  \
         LD_LIBRARY_PATH=<site-packages>/nvidia/cu13/lib ./precis bench --device cpu,cuda --precision f32,f16 \
         --batch-sizes 1,16,32,64,128,256",
        lib = lib.display()
    );
    Ok(())
}

/// Downloads the wheels with pip (whatever index it is configured for) and unpacks them into one
/// tree, `site/nvidia/cu13/{bin,include,lib,nvvm}`, the layout nvcc expects around itself.
fn fetch_toolkit(home: &Path) -> anyhow::Result<()> {
    let wheels = home.join("wheels");
    let site = home.join("site");
    eprintln!("fetching the CUDA 13.0 toolkit wheels into {}", wheels.display());
    status(
        Command::new("python3").args(["-m", "pip", "download", "--no-deps", "--quiet", "-d"]).arg(&wheels).args(WHEELS),
    )?;
    for entry in std::fs::read_dir(&wheels)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "whl") {
            status(Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&path).arg(&site))?;
        }
    }
    // zipfile drops the executable bits.
    for dir in ["bin", "nvvm/bin"] {
        let dir = site.join("nvidia/cu13").join(dir);
        for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_file() {
                status(Command::new("chmod").arg("+x").arg(&path))?;
            }
        }
    }
    Ok(())
}

/// The wheels ship `libcublas.so.13` and friends; the linker looks for `libcublas.so`.
fn link_unversioned(lib: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(lib).with_context(|| lib.display().to_string())? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some((stem, _version)) = name.split_once(".so.") {
            let link = lib.join(format!("{stem}.so"));
            if !link.exists() {
                std::os::unix::fs::symlink(&name, &link).with_context(|| link.display().to_string())?;
            }
        }
    }
    Ok(())
}

/// cudarc links `libcuda.so`, which only a driver installs. For linking, a stub exporting every
/// driver function `cuda.h` names (and the versioned `_v2`... names its macros point at) is
/// enough; at run time the real driver's library is found instead, by soname.
fn build_libcuda_stub(header: &Path, dir: &Path) -> anyhow::Result<()> {
    let stub = dir.join("libcuda.so");
    if stub.is_file() {
        return Ok(());
    }
    let text = std::fs::read_to_string(header).with_context(|| header.display().to_string())?;
    let mut names = std::collections::BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#define ") {
            // `#define cuCtxCreate cuCtxCreate_v2`
            let mut words = rest.split_whitespace();
            if let (Some(_), Some(target), None) = (words.next(), words.next(), words.next())
                && is_driver_function(target)
            {
                names.insert(target.to_string());
            }
        } else if let Some(at) = line.find("CUDAAPI ") {
            // `CUresult CUDAAPI cuInit(unsigned int Flags);`
            let name: String = line[at + 8..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if is_driver_function(&name) {
                names.insert(name);
            }
        }
    }
    if names.is_empty() {
        bail!("found no driver functions in {}", header.display());
    }
    std::fs::create_dir_all(dir)?;
    let source = dir.join("libcuda_stub.c");
    let body: String = names.iter().map(|n| format!("int {n}(void) {{ return 999; }}\n")).collect();
    std::fs::write(&source, body)?;
    status(Command::new("cc").args(["-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o"]).arg(&stub).arg(&source))?;
    // The soname too: with this folder on LD_LIBRARY_PATH the CUDA build also starts on a machine
    // without a driver, where every CUDA call fails cleanly (CPU paths and error messages testable).
    std::os::unix::fs::symlink("libcuda.so", dir.join("libcuda.so.1"))?;
    eprintln!("link-time stub {} ({} driver functions)", stub.display(), names.len());
    Ok(())
}

fn is_driver_function(name: &str) -> bool {
    name.len() > 2 && name.starts_with("cu") && name[2..].starts_with(|c: char| c.is_ascii_uppercase())
}
