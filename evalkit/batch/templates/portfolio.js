// The portfolio table: sort by a header click, filter by text and status across all rows, show one
// page at a time. Rows start hidden (the stylesheet) and only the current page's rows get class
// "on", so 10,000 rows load and filter quickly: each row's text is read once, the table is laid out
// for one page, and a change touches only the rows that appear or disappear.
(function(){var t=document.getElementById('portfolio'),b=t.tBodies[0],q=document.getElementById('q'),
s=document.getElementById('status'),sz=document.getElementById('size'),info=document.getElementById('pageinfo'),
all=Array.prototype.slice.call(b.rows),text=all.map(function(r){return r.textContent.toLowerCase();}),
order=all.map(function(_,i){return i;}),hits=order,page=0,shown=[],moved=false;
function show(){var n=parseInt(sz.value,10)||hits.length||1,pages=Math.max(1,Math.ceil(hits.length/n));
page=Math.min(page,pages-1);var now=hits.slice(page*n,page*n+n);
if(moved){var frag=document.createDocumentFragment();order.forEach(function(i){frag.appendChild(all[i]);});
b.appendChild(frag);moved=false;}
shown.forEach(function(i){all[i].className=all[i].className.replace(/ ?\bon\b/g,'');});
now.forEach(function(i){all[i].className+=' on';});shown=now;
info.textContent='第 '+(page+1)+' / '+pages+' 页，共 '+hits.length+' 条';}
function filter(){var w=q.value.toLowerCase(),v=s.value;hits=(!w&&!v)?order:order.filter(function(i){
return (!v||all[i].getAttribute('data-status')===v)&&text[i].indexOf(w)>=0;});page=0;show();}
q.addEventListener('input',filter);s.addEventListener('change',filter);sz.addEventListener('change',show);
document.getElementById('prev').addEventListener('click',function(){if(page>0){page--;show();}});
document.getElementById('next').addEventListener('click',function(){page++;show();});
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,c){th.addEventListener('click',function(){
var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');
function key(i){var d=all[i].cells[c];return d.getAttribute('data-v')||d.textContent;}
order.sort(function(x,y){var a=key(x),e=key(y),n=parseFloat(a),m=parseFloat(e);
var r=(!isNaN(n)&&!isNaN(m))?n-m:a.localeCompare(e,'zh');return asc?r:-r;});moved=true;filter();});});
filter();})();
