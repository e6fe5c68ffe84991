import { describe, expect, it } from "vitest";
import { launchBody, toBase64, validateLaunch, type LaunchForm } from "../../src/pages/LaunchInstance";
import { cidrProblem } from "../../src/pages/Networks";

const form: LaunchForm = {
  name: "web-1",
  image: "img",
  flavor: "f1",
  networks: ["n1"],
  keyName: "",
  groups: [],
  userData: "",
  bootVolumeGb: "",
};

describe("launch form", () => {
  it("names what is missing", () => {
    const e = validateLaunch({ ...form, name: " ", image: "", flavor: "", networks: [] }, 2);
    expect(Object.keys(e).sort()).toEqual(["flavor", "image", "name", "networks"]);
    expect(validateLaunch(form, 2)).toEqual({});
    expect(validateLaunch({ ...form, networks: [] }, 1)).toEqual({});
    expect(validateLaunch({ ...form, bootVolumeGb: "1.5" }, 1).bootVolumeGb).toMatch(/whole number/);
    expect(validateLaunch({ ...form, name: "x".repeat(256) }, 1).name).toMatch(/255/);
  });

  it("sends user data base64-encoded, UTF-8 safe", () => {
    expect(toBase64("#!/bin/sh\necho é")).toBe(Buffer.from("#!/bin/sh\necho é").toString("base64"));
    const body = launchBody({ ...form, userData: "hi", groups: ["default"], keyName: "k" });
    expect(body).toMatchObject({ name: "web-1", imageRef: "img", flavorRef: "f1", key_name: "k", user_data: "aGk=" });
    expect(body.networks).toEqual([{ uuid: "n1" }]);
    expect(body.security_groups).toEqual([{ name: "default" }]);
  });

  it("boots from a new volume when a size is given", () => {
    const body = launchBody({ ...form, bootVolumeGb: "2" });
    expect(body.imageRef).toBeUndefined();
    expect(body.block_device_mapping_v2).toEqual([
      { boot_index: 0, uuid: "img", source_type: "image", destination_type: "volume", volume_size: 2, delete_on_termination: true },
    ]);
  });
});

describe("cidrProblem", () => {
  it("accepts prefixes and explains the rest", () => {
    expect(cidrProblem("10.0.0.0/24")).toBeNull();
    expect(cidrProblem("fd00::/64")).toBeNull();
    expect(cidrProblem("10.0.0.0")).toMatch(/address\/prefix/);
    expect(cidrProblem("10.0.0.300/24")).toMatch(/IPv4/);
    expect(cidrProblem("10.0.0.0/33")).toMatch(/32/);
    expect(cidrProblem("'; DROP TABLE x; --")).toMatch(/address\/prefix/);
  });
});
