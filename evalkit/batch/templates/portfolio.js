// Sort the portfolio table by a header click; filter it by text and status. No network.
(function(){var t=document.getElementById('portfolio'),b=t.tBodies[0],q=document.getElementById('q'),
s=document.getElementById('status');function f(){var w=q.value.toLowerCase(),v=s.value;
Array.prototype.forEach.call(b.rows,function(r){var ok=(!v||r.getAttribute('data-status')===v)&&
r.textContent.toLowerCase().indexOf(w)>=0;r.style.display=ok?'':'none';});}
q.addEventListener('input',f);s.addEventListener('change',f);
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){
var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-v')||
x.cells[i].textContent,c=y.cells[i].getAttribute('data-v')||y.cells[i].textContent,n=parseFloat(a),m=parseFloat(c);
var r=(!isNaN(n)&&!isNaN(m))?n-m:a.localeCompare(c,'zh');return asc?r:-r;});
rows.forEach(function(r){b.appendChild(r);});});});})();
