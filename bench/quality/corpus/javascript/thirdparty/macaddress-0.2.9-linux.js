// Third-party code (not written by this team), used as benchmark input only.
// Package: macaddress 0.2.9 (npm)
// Original path: lib/linux.js
// License: MIT, Copyright (c) 2018 Julian Fleischer
// The whole file; only the end-of-line label comments are ours. execFile runs the program without a
// shell, and the interface name is one argument.
var execFile = require('child_process').execFile;

module.exports = function (iface, callback) {
    execFile("cat", ["/sys/class/net/" + iface + "/address"], function (err, out) { // safe: command-injection
        if (err) {
            callback(err, null);
            return;
        }
        callback(null, out.trim().toLowerCase());
    });
};
