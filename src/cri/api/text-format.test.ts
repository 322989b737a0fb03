import { describe, expect, test } from "vitest";
import { ImageSpec, Mount, MountPropagation } from "./v1.ts";
import { imageSpecText, mountText, quoteText } from "./text-format.ts";

describe("mountText (Go's String() of runtime.v1.Mount)", () => {
  test("as containerd 2.4.2 wrote it in golden/cri/2.4/container-image-volumes.json", () => {
    const image = { image: "sha256:d8ba", userSpecifiedImage: "docker.io/library/busybox:1.36" };
    expect(mountText(Mount.fromPartial({ containerPath: "/mnt/image-volume", image }))).toBe(
      'container_path:"/mnt/image-volume" image:{image:"sha256:d8ba" user_specified_image:"docker.io/library/busybox:1.36"}',
    );
    expect(mountText(Mount.fromPartial({ containerPath: "/m", hostPath: "/h", readonly: true, image }))).toBe(
      'container_path:"/m" host_path:"/h" readonly:true image:{image:"sha256:d8ba" user_specified_image:"docker.io/library/busybox:1.36"}',
    );
  });

  test("every field in field-number order, zero values left out, enums by name, maps by key", () => {
    const m = Mount.fromPartial({
      containerPath: "/m",
      selinuxRelabel: true,
      propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER,
      uidMappings: [{ hostId: 1000, containerId: 0, length: 1 }],
      gidMappings: [{ hostId: 0, containerId: 5, length: 2 }],
      recursiveReadOnly: true,
      image: { image: "i", annotations: { b: "2", a: "1" } },
      imageSubPath: "etc",
      mountOptions: ["noexec"],
    });
    expect(mountText(m)).toBe(
      'container_path:"/m" selinux_relabel:true propagation:PROPAGATION_HOST_TO_CONTAINER uidMappings:{host_id:1000 length:1} ' +
        'gidMappings:{container_id:5 length:2} recursive_read_only:true image:{image:"i" annotations:{key:"a" value:"1"} ' +
        'annotations:{key:"b" value:"2"}} image_sub_path:"etc" mount_options:"noexec"',
    );
  });

  test("an empty ImageSpec prints as nothing", () => {
    expect(imageSpecText(ImageSpec.fromPartial({}))).toBe("");
  });

  test("strings quoted with prototext's escapes", () => {
    expect(quoteText('a"b\\c\nd\te\r\u0001\u007f\u0085é')).toBe('"a\\"b\\\\c\\nd\\te\\r\\x01\\x7f\\u0085é"');
  });
});
