// Third-party code (not written by this team), used as benchmark input only.
// Package: set-value 2.0.0 (npm)
// Original path: index.js
// License: MIT, Copyright (c) 2014-2015, 2017, Jon Schlinkert (see the notice below)
// The whole file; only the end-of-line label comments are ours. This is the release before the fix
// of CVE-2019-10747: a path such as "__proto__.isAdmin" walks into Object.prototype and sets the
// property there for every object (2.0.1 drops "__proto__", "constructor" and "prototype" keys).
/*!
 * set-value <https://github.com/jonschlinkert/set-value>
 *
 * Copyright (c) 2014-2015, 2017, Jon Schlinkert.
 * Released under the MIT License.
 */

'use strict';

var split = require('split-string');
var extend = require('extend-shallow');
var isPlainObject = require('is-plain-object');
var isObject = require('is-extendable');

module.exports = function(obj, prop, val) {
  if (!isObject(obj)) {
    return obj;
  }

  if (Array.isArray(prop)) {
    prop = [].concat.apply([], prop).join('.');
  }

  if (typeof prop !== 'string') {
    return obj;
  }

  var keys = split(prop, {sep: '.', brackets: true});
  var len = keys.length;
  var idx = -1;
  var current = obj;

  while (++idx < len) {
    var key = keys[idx];
    if (idx !== len - 1) {
      if (!isObject(current[key])) {
        current[key] = {};
      }
      current = current[key]; // flow: mass-assignment
      continue;
    }

    if (isPlainObject(current[key]) && isPlainObject(val)) {
      current[key] = extend({}, current[key], val);
    } else {
      current[key] = val; // expect: mass-assignment
    }
  }

  return obj;
};
