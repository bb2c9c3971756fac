// plotly.js with only the traces 村情看板 draws (see village_stats/charts.py) and the Chinese locale.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/treemap'),
    require('plotly.js/lib/locales/zh-cn'),
]);

module.exports = Plotly;
