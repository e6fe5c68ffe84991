//! Volume actions read as Cinder's: exactly one action, its arguments checked.

use stratus_api::volume::VolumeAction;

#[test]
fn actions_read_with_their_arguments() {
    let read = |s: &str| serde_json::from_str::<VolumeAction>(s);
    assert!(matches!(
        read(r#"{"os-reserve": {}}"#),
        Ok(VolumeAction::Reserve(_))
    ));
    assert!(matches!(
        read(r#"{"os-reserve": null}"#),
        Ok(VolumeAction::Reserve(None))
    ));
    assert!(matches!(
        read(r#"{"os-extend": {"new_size": "3"}}"#),
        Ok(VolumeAction::Extend(e)) if e.new_size == 3
    ));
    let r = read(r#"{"os-volume_upload_image": {"disk_format": "qcow2"}}"#);
    assert!(r.is_err(), "{r:?}");
    assert!(read(r#"{"os-extend": {}}"#).is_err());
    assert!(read(r#"{"os-frobnicate": {}}"#).is_err());
    assert!(read(r#"{"os-reserve": {}, "os-unreserve": {}}"#).is_err());
}
