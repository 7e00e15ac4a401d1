// Third-party code (not written by this team), used as benchmark input only.
// Package: macaddress 0.2.8 (npm)
// Original path: lib/unix.js
// License: MIT (per its package.json; Copyright Julian Fleischer)
// The whole file; only the end-of-line label comments are ours. This is the release before the fix
// of CVE-2018-13797: the interface name given to macaddress.one(iface, cb) is pasted into a shell
// command line (0.2.9 switched to execFile with an argument list).
var exec = require('child_process').exec;

module.exports = function (iface, callback) {
    exec("ifconfig " + iface, function (err, out) { // expect: command-injection
        if (err) {
            callback(err, null);
            return;
        }
        var match = /[a-f0-9]{2}(:[a-f0-9]{2}){5}/.exec(out.toLowerCase());
        if (!match) {
            callback("did not find a mac address", null);
            return;
        }
        callback(null, match[0].toLowerCase());
    });
};
