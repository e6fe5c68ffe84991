import { describe, expect, it } from "vitest";
import { errorMessage } from "../../src/api/client";

describe("errorMessage", () => {
  it("reads every OpenStack dialect", () => {
    expect(errorMessage({ error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } }, 401)).toBe(
      "The request you have made requires authentication.",
    );
    expect(errorMessage({ itemNotFound: { code: 404, message: "Instance x could not be found." } }, 404)).toBe("Instance x could not be found.");
    expect(errorMessage({ NeutronError: { type: "NetworkInUse", message: "Unable to complete operation on network n.", detail: "" } }, 409)).toBe(
      "Unable to complete operation on network n.",
    );
    const glance = "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID x<br /><br />\n\n\n\n </body>\n</html>";
    expect(errorMessage(glance, 404)).toBe("No image found with ID x");
  });

  it("falls back to the status when the body says nothing", () => {
    expect(errorMessage(undefined, 502)).toBe("Request failed (502)");
    expect(errorMessage({}, 500)).toBe("Request failed (500)");
    expect(errorMessage("", 503)).toBe("Request failed (503)");
  });
});
