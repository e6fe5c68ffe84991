//! Taking the local RabbitMQ away and back, for the broker-restart tests
//! (which `scripts/test` runs alone, one at a time).

use std::process::Command;

/// Runs `rabbitmqctl -q <arg>` (`stop_app`, `start_app`), asserting success.
pub fn rabbitmqctl(arg: &str) {
    let status = Command::new("rabbitmqctl")
        .args(["-q", arg])
        .status()
        .expect("run rabbitmqctl");
    assert!(status.success(), "rabbitmqctl {arg} failed");
}

/// Starts the broker app again when dropped, even if the test failed
/// half-way.
pub struct RestartGuard;

impl Drop for RestartGuard {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "start_app"])
            .status();
    }
}
