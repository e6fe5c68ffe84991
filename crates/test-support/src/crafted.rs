//! Crafted disk images, as an attacker would upload them to read the
//! host's files (the OSSA-2024-001 class): each names `secret`, a file of
//! the host, through a backing file, an external data file or a VMDK
//! extent. Made with the real qemu-img.

use std::path::Path;

/// One crafted image: what it is, and its bytes.
pub struct Crafted {
    pub what: &'static str,
    pub bytes: Vec<u8>,
}

fn qemu_img(args: &[&std::ffi::OsStr]) {
    let out = std::process::Command::new("qemu-img")
        .args(args)
        .output()
        .expect("qemu-img runs");
    assert!(
        out.status.success(),
        "qemu-img {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The crafted images, made in `dir`, each pointing at `secret`.
pub fn images(dir: &Path, secret: &Path) -> Vec<Crafted> {
    let secret = secret.as_os_str();
    let file = |name: &str| dir.join(format!("crafted-{}-{name}", std::process::id()));
    let read = |path: &Path| {
        let bytes = std::fs::read(path).expect("read crafted image");
        let _ = std::fs::remove_file(path);
        bytes
    };
    let mut out = Vec::new();

    let backed = file("backed.qcow2");
    qemu_img(&[
        "create".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "qcow2".as_ref(),
        "-F".as_ref(),
        "raw".as_ref(),
        "-b".as_ref(),
        secret,
        backed.as_os_str(),
        "1M".as_ref(),
    ]);
    out.push(Crafted {
        what: "a qcow2 whose backing file is a host file",
        bytes: read(&backed),
    });

    let with_data = file("data-file.qcow2");
    let data = file("data-file.raw");
    let option = format!("data_file={},data_file_raw=on", data.display());
    qemu_img(&[
        "create".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "qcow2".as_ref(),
        "-o".as_ref(),
        option.as_ref(),
        with_data.as_os_str(),
        "1M".as_ref(),
    ]);
    let _ = std::fs::remove_file(&data);
    out.push(Crafted {
        what: "a qcow2 with an external data file",
        bytes: read(&with_data),
    });

    let qed = file("backed.qed");
    qemu_img(&[
        "create".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "qed".as_ref(),
        "-F".as_ref(),
        "raw".as_ref(),
        "-b".as_ref(),
        secret,
        qed.as_os_str(),
        "1M".as_ref(),
    ]);
    out.push(Crafted {
        what: "a qed whose backing file is a host file",
        bytes: read(&qed),
    });

    let vmdk = file("sparse.vmdk");
    qemu_img(&[
        "create".as_ref(),
        "-q".as_ref(),
        "-f".as_ref(),
        "vmdk".as_ref(),
        vmdk.as_os_str(),
        "1M".as_ref(),
    ]);
    out.push(Crafted {
        what: "a sparse VMDK",
        bytes: read(&vmdk),
    });

    let sectors = std::fs::metadata(secret).map_or(1, |m| m.len().div_ceil(512).max(1));
    out.push(Crafted {
        what: "a VMDK descriptor whose flat extent is a host file",
        bytes: format!(
            "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n\
             createType=\"monolithicFlat\"\n\n# Extent description\n\
             RW {sectors} FLAT \"{}\" 0\n\n# The Disk Data Base\nddb.adapterType = \"ide\"\n",
            Path::new(secret).display()
        )
        .into_bytes(),
    });
    out
}
