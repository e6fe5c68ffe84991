//! Image data is untrusted: this decides what a file is from its own bytes
//! (as Glance's format inspector does), before any tool opens it. Only two
//! formats are ever opened on a host: `raw` (no known header) and `qcow2`
//! without a backing file, an external data file or encryption. Every other
//! format qemu knows (VMDK and its extents, qed, qcow v1, VDI, VHD/VHDX,
//! LUKS, parallels, bochs, cloop) is refused, so no image can make a root
//! `qemu-img` or a hypervisor read a file of the host.

use crate::qemu_img;
use std::path::Path;
use stratus_common::Error;
use tokio::io::AsyncReadExt;

/// The formats a Stratus host opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskFormat {
    Raw,
    Qcow2,
}

impl DiskFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Qcow2 => "qcow2",
        }
    }

    /// The format whose data an image of `disk_format` must hold: kernels
    /// (`aki`) and ramdisks (`ari`) are plain files, so raw.
    pub fn for_disk_format(disk_format: Option<&str>) -> Result<Self, Error> {
        match disk_format {
            Some("qcow2") => Ok(Self::Qcow2),
            Some("raw" | "aki" | "ari") => Ok(Self::Raw),
            Some(other) => Err(Error::bad_request(format!(
                "Image data is accepted for disk_format raw, qcow2, aki or ari only, not {other}."
            ))),
            None => Err(Error::bad_request(
                "The image has no disk_format: set it before uploading data.",
            )),
        }
    }

    /// A format named in a message (a volume's, a snapshot's target).
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "raw" => Ok(Self::Raw),
            "qcow2" => Ok(Self::Qcow2),
            other => Err(Error::bad_request(format!(
                "{other:?} is not a disk format this host opens (raw, qcow2)."
            ))),
        }
    }
}

/// What a checked file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inspected {
    pub format: DiskFormat,
    /// The disk's size as a guest sees it.
    pub virtual_size: u64,
}

/// The bytes read from the start of a file to know its format.
const HEADER_BYTES: usize = 1024;

/// A known non-raw format's name, from the header's magic numbers (the ones
/// qemu's own probes look for); `None` for data qemu would take as raw.
pub fn sniff(header: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| header.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"QFI\xfb") {
        return Some(match header.get(4..8) {
            Some([0, 0, 0, 1]) => "qcow",
            _ => "qcow2",
        });
    }
    let magics: &[(usize, &[u8], &str)] = &[
        (0, b"QED\0", "qed"),
        (0, b"KDMV", "vmdk"),
        (0, b"COWD", "vmdk"),
        (0, b"# Disk DescriptorFile", "vmdk"),
        (0, b"conectix", "vpc"),
        (0, b"vhdxfile", "vhdx"),
        (0, b"LUKS\xba\xbe", "luks"),
        (0, b"WithoutFreeSpace", "parallels"),
        (0, b"WithouFreSpacExt", "parallels"),
        (0, b"Bochs Virtual HD Image", "bochs"),
        (0, b"#!/bin/sh\n#V2.0 Format\n", "cloop"),
        (0x40, &[0x7f, 0x10, 0xda, 0xbe], "vdi"),
    ];
    magics
        .iter()
        .find(|(offset, magic, _)| at(*offset, magic))
        .map(|(_, _, name)| *name)
}

fn be64(header: &[u8], offset: usize) -> u64 {
    header
        .get(offset..offset + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_be_bytes)
}

fn be32(header: &[u8], offset: usize) -> u32 {
    header
        .get(offset..offset + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes)
}

/// A qcow2 header's reasons to refuse the file, read before qemu-img opens
/// it: a backing file (offset 8), encryption (32), an external data file
/// (incompatible feature bit 2, version 3 headers, offset 72).
fn qcow2_header_problem(header: &[u8]) -> Option<&'static str> {
    if be64(header, 8) != 0 {
        return Some("a backing file");
    }
    if be32(header, 32) != 0 {
        return Some("encryption");
    }
    if be32(header, 4) >= 3 && be64(header, 72) & (1 << 2) != 0 {
        return Some("an external data file");
    }
    None
}

/// Reads what the file at `path` is and refuses anything but a raw file or
/// a self-contained qcow2.
pub async fn inspect(path: &Path) -> Result<Inspected, Error> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::internal(&e))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Error::internal(&e))?
        .len();
    let mut header = Vec::with_capacity(HEADER_BYTES);
    (&mut file)
        .take(HEADER_BYTES as u64)
        .read_to_end(&mut header)
        .await
        .map_err(|e| Error::internal(&e))?;
    match sniff(&header) {
        None => Ok(Inspected {
            format: DiskFormat::Raw,
            virtual_size: len,
        }),
        Some("qcow2") => {
            if let Some(problem) = qcow2_header_problem(&header) {
                return Err(refused(problem));
            }
            // qemu-img reads the rest, told the format: nothing is probed.
            let info = qemu_img::info(path, DiskFormat::Qcow2).await?;
            if info.backing_file.is_some() {
                return Err(refused("a backing file"));
            }
            if info.data_file().is_some() {
                return Err(refused("an external data file"));
            }
            if info.encrypted {
                return Err(refused("encryption"));
            }
            Ok(Inspected {
                format: DiskFormat::Qcow2,
                virtual_size: info.virtual_size,
            })
        }
        Some(other) => Err(Error::bad_request(format!(
            "The data is a {other} image: only raw and qcow2 disk data is accepted."
        ))),
    }
}

fn refused(what: &str) -> Error {
    Error::bad_request(format!(
        "A qcow2 image with {what} is refused: it could make the host read files that are not the image's."
    ))
}

/// Inspects `path` and checks it holds what `disk_format` declares.
pub async fn inspect_as(path: &Path, disk_format: Option<&str>) -> Result<Inspected, Error> {
    let want = DiskFormat::for_disk_format(disk_format)?;
    let found = inspect(path).await?;
    if found.format != want {
        return Err(Error::bad_request(format!(
            "The data is not a {} image (it is {}), but disk_format is {}.",
            want.as_str(),
            found.format.as_str(),
            disk_format.unwrap_or_default()
        )));
    }
    Ok(found)
}

/// What a stored image's file is to its users, from its declared
/// `disk_format`: raw data is opened as raw whatever its bytes look like (a
/// guest can write a qcow2 header into a disk it then turns into a raw
/// image); qcow2 is checked again. Without a declared format (an older
/// message), the bytes decide, with the same refusals.
pub async fn open_as(path: &Path, disk_format: Option<&str>) -> Result<Inspected, Error> {
    match disk_format.map(|d| DiskFormat::for_disk_format(Some(d))) {
        Some(Ok(DiskFormat::Raw)) => Ok(Inspected {
            format: DiskFormat::Raw,
            virtual_size: tokio::fs::metadata(path)
                .await
                .map_err(|e| Error::internal(&e))?
                .len(),
        }),
        Some(Ok(DiskFormat::Qcow2)) => inspect_as(path, disk_format).await,
        Some(Err(e)) => Err(e),
        None => inspect(path).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_name_the_formats() {
        let mut qcow2 = b"QFI\xfb\0\0\0\x03".to_vec();
        qcow2.resize(104, 0);
        assert_eq!(sniff(&qcow2), Some("qcow2"));
        assert_eq!(qcow2_header_problem(&qcow2), None);
        let mut backed = qcow2.clone();
        backed[15] = 0x70;
        assert_eq!(qcow2_header_problem(&backed), Some("a backing file"));
        let mut data_file = qcow2.clone();
        data_file[79] = 0x04;
        assert_eq!(
            qcow2_header_problem(&data_file),
            Some("an external data file")
        );
        assert_eq!(sniff(b"QFI\xfb\0\0\0\x01"), Some("qcow"));
        assert_eq!(sniff(b"# Disk DescriptorFile\nversion=1\n"), Some("vmdk"));
        let mut vdi = vec![0u8; 0x48];
        vdi[0x40..0x44].copy_from_slice(&[0x7f, 0x10, 0xda, 0xbe]);
        assert_eq!(sniff(&vdi), Some("vdi"));
        assert_eq!(sniff(&[0u8; 1024]), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn declared_formats_map_to_what_the_data_must_be() {
        assert_eq!(
            DiskFormat::for_disk_format(Some("aki")).ok(),
            Some(DiskFormat::Raw)
        );
        assert!(DiskFormat::for_disk_format(Some("vmdk")).is_err());
        assert!(DiskFormat::for_disk_format(None).is_err());
        assert!(DiskFormat::parse("vmdk").is_err());
    }
}
