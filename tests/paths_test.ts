import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, dataDir, defaultDbPath } from "../mod.ts";

describe("dataDir", () => {
  test("HARMONY_DATA_DIR wins", () => {
    assert.equal(
      dataDir({
        env: {
          HARMONY_DATA_DIR: "/srv/h",
          XDG_DATA_HOME: "/x",
          HOME: "/home/a",
        },
      }),
      "/srv/h",
    );
    assert.equal(
      dataDir({ env: { HARMONY_DATA_DIR: "C:\\h" }, platform: "win32" }),
      "C:\\h",
    );
  });

  test("a relative or ~ HARMONY_DATA_DIR is an error naming the variable, never a directory under the working one", () => {
    for (const value of ["~/mydata", "~", "mydata", "./mydata", "../x"]) {
      assert.throws(
        () => dataDir({ env: { HARMONY_DATA_DIR: value, HOME: "/home/a" } }),
        (error) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.match(
            error.message,
            /^HARMONY_DATA_DIR must be an absolute path/,
          );
          assert.match(error.message, /use \$HOME instead of ~/);
          if (value.startsWith("~")) {
            assert.match(
              error.message,
              /starting with ~, which only a shell expands/,
            );
          }
          return true;
        },
        value,
      );
      assert.throws(() => defaultDbPath({ env: { HARMONY_DATA_DIR: value } }));
    }
    assert.throws(
      () => dataDir({ env: { HARMONY_DATA_DIR: "data" }, platform: "win32" }),
      /HARMONY_DATA_DIR must be an absolute path/,
    );
  });

  test("a relative XDG_DATA_HOME is ignored, as the XDG spec says", () => {
    for (const xdg of ["relative/share", "~/.local/share", "."]) {
      assert.equal(
        dataDir({
          env: { XDG_DATA_HOME: xdg, HOME: "/home/a" },
          platform: "linux",
        }),
        "/home/a/.local/share/harmony",
        xdg,
      );
    }
  });

  test("XDG_DATA_HOME, then HOME, by platform, as the Rust crate's ProjectDirs", () => {
    assert.equal(
      dataDir({
        env: { XDG_DATA_HOME: "/x", HOME: "/home/a" },
        platform: "linux",
      }),
      "/x/harmony",
    );
    assert.equal(
      dataDir({ env: { HOME: "/home/a" }, platform: "linux" }),
      "/home/a/.local/share/harmony",
    );
    assert.equal(
      dataDir({ env: { HOME: "/Users/a" }, platform: "darwin" }),
      "/Users/a/Library/Application Support/harmony",
    );
    // XDG_DATA_HOME comes before the platform default everywhere.
    for (const platform of ["linux", "darwin", "win32"]) {
      assert.equal(
        dataDir({
          env: { HOME: "/h", APPDATA: "C:\\A", XDG_DATA_HOME: "/x" },
          platform,
        }),
        "/x/harmony",
        platform,
      );
    }
    assert.match(
      dataDir({
        env: { APPDATA: "C:\\Users\\a\\AppData\\Roaming" },
        platform: "win32",
      }),
      /harmony.data$/,
    );
  });

  test("an empty variable counts as unset; nothing at all is a clear error", () => {
    assert.equal(
      dataDir({ env: { HARMONY_DATA_DIR: "", HOME: "/h" }, platform: "linux" }),
      "/h/.local/share/harmony",
    );
    assert.throws(
      () => dataDir({ env: {}, platform: "linux" }),
      /set HARMONY_DATA_DIR or HOME/,
    );
  });

  test("the default DB path is <data dir>/config/config.db", () => {
    assert.equal(
      defaultDbPath({ env: { HARMONY_DATA_DIR: "/srv/h" } }),
      "/srv/h/config/config.db",
    );
  });
});
