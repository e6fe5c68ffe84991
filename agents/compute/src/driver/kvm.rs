//! Whether this host's KVM can run a guest: `/dev/kvm` existing is not
//! enough (nested or restricted hosts have it and hang the guest), so the
//! probe runs five bytes of real-mode code in a one-vCPU VM (`mov al, 0x42;
//! out 0x10, al; hlt`) and expects the port write back, within a deadline.

// Mapping guest memory into a VM is unsafe by nature (the kernel reads and
// writes it behind Rust's back); this module is the only unsafe code of the
// agent, and the memory outlives the VM that maps it.
#![allow(unsafe_code)]

use std::time::Duration;

/// Why KVM is not used, or `Ok` when a guest ran.
pub fn probe(deadline: Duration) -> Result<(), String> {
    if !std::path::Path::new("/dev/kvm").exists() {
        return Err("/dev/kvm does not exist".into());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    // A VM that never exits keeps its thread; the deadline does not wait.
    std::thread::spawn(move || {
        let _ = tx.send(run_probe());
    });
    match rx.recv_timeout(deadline) {
        Ok(result) => result,
        Err(_) => Err(format!("a probe guest did not finish within {deadline:?}")),
    }
}

fn run_probe() -> Result<(), String> {
    use kvm_ioctls::{Kvm, VcpuExit};

    const GUEST_ADDR: u64 = 0x1000;
    const MEM: usize = 0x1000;
    let kvm = Kvm::new().map_err(|e| format!("opening /dev/kvm: {e}"))?;
    let vm = kvm.create_vm().map_err(|e| format!("creating a VM: {e}"))?;
    let layout = std::alloc::Layout::from_size_align(MEM, MEM).map_err(|e| e.to_string())?;
    // SAFETY: the layout is non-zero in size; the memory is freed below,
    // after the VM (which maps it) is dropped.
    let mem = unsafe { std::alloc::alloc_zeroed(layout) };
    if mem.is_null() {
        return Err("no memory for the probe".into());
    }
    let code = [0xb0u8, 0x42, 0xe6, 0x10, 0xf4];
    // SAFETY: `mem` holds MEM bytes; the code is shorter.
    unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), mem, code.len()) };
    let result = (|| {
        let region = kvm_bindings::kvm_userspace_memory_region {
            slot: 0,
            guest_phys_addr: GUEST_ADDR,
            memory_size: MEM as u64,
            userspace_addr: mem as u64,
            flags: 0,
        };
        // SAFETY: the region is valid for the VM's lifetime (freed after).
        unsafe { vm.set_user_memory_region(region) }
            .map_err(|e| format!("mapping guest memory: {e}"))?;
        let mut vcpu = vm
            .create_vcpu(0)
            .map_err(|e| format!("creating a vCPU: {e}"))?;
        let mut sregs = vcpu.get_sregs().map_err(|e| e.to_string())?;
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        vcpu.set_sregs(&sregs).map_err(|e| e.to_string())?;
        let mut regs = vcpu.get_regs().map_err(|e| e.to_string())?;
        regs.rip = GUEST_ADDR;
        regs.rflags = 2;
        vcpu.set_regs(&regs).map_err(|e| e.to_string())?;
        for _ in 0..16 {
            match vcpu.run().map_err(|e| format!("running the vCPU: {e}"))? {
                VcpuExit::IoOut(0x10, data) if data.first() == Some(&0x42) => return Ok(()),
                VcpuExit::Hlt => return Err("the probe halted before its port write".into()),
                VcpuExit::FailEntry(reason, _) => {
                    return Err(format!("the vCPU failed to enter the guest ({reason})"));
                }
                _ => {}
            }
        }
        Err("the probe guest never wrote its port".into())
    })();
    drop(vm);
    // SAFETY: allocated above with this layout; the VM is gone.
    unsafe { std::alloc::dealloc(mem, layout) };
    result
}
