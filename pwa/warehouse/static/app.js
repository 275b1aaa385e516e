/* The warehouse app's page script: what the pages of /warehouse/ share besides the scanner. */
(function () {
  'use strict';
})();
