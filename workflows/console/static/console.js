// GOV.UK Frontend's components style themselves for JavaScript only when the body says it runs; a file of its
// own rather than the template's inline snippet, so that the Content-Security-Policy allows no inline script.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
