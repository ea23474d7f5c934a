// Replacement for react-style-singleton's singleton.js (used by react-remove-scroll in
// GraphiQL's dialogs). The original appends a <style> element, which a CSP without
// 'unsafe-inline' in style-src blocks. A constructed stylesheet adopted by the document
// is not an inline style, so it works under "style-src 'self'".
export var stylesheetSingleton = function () {
  var counter = 0;
  var sheet = null;
  return {
    add: function (style) {
      if (counter == 0 && typeof document !== 'undefined') {
        try {
          sheet = new CSSStyleSheet();
          sheet.replaceSync(style);
          document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
        } catch (e) {
          sheet = null; // an old browser: no scroll lock, nothing else breaks
        }
      }
      counter++;
    },
    remove: function () {
      counter--;
      if (!counter && sheet) {
        var s = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter(function (x) {
          return x !== s;
        });
        sheet = null;
      }
    },
  };
};
