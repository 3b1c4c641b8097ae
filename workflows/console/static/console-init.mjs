import { initAll as initGovuk } from "/console-static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/console-static/moj/moj-frontend.min.js";

initGovuk();
initMoj();
