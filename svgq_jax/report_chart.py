"""The report's chart of one logo: its verified candidates' bytes (x, log scale) against their measured SSIM (y).

The page holds each chart as an empty inline `<svg class=chart>` whose `data-p` lists its points (a kind letter,
the bytes, the SSIM: numbers only), and its own script (`SCRIPT`, run under the page's Content-Security-Policy by
its hash) draws every chart from them: the axes, 1-2-5 ticks of bytes, SSIM ticks at a 1-2-5 step, a mark and a
tooltip per point, and the labels of the pick, VTracer's defaults (as VTracer writes them) and the defaults
minified, moved apart where they would overlap. Drawn in the browser because it is small there: the markup of
120 charts was a seventh of the budget of a report of the 120 native logos (under a third of their files plus
their SVGs). No plotting library, and no text from outside: the labels are the script's own.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 330, 200
# the kinds of point: the letter the page holds, drawn as (letter: shape, label)
#   c  another verified candidate (grey dot)   v  VTracer's defaults (square)
#   m  the defaults minified (ring)            p  the pick (diamond); P  the pick, which is the defaults minified
KINDS = ("c", "v", "m", "p", "P")


@dataclass(frozen=True)
class Point:
    kind: str  # one of KINDS
    bytes: int
    ssim: float
    number: int = 0  # a candidate's number in the table of the command (#1, #2, ...)


def chart(points: list[Point]) -> str:
    """The chart's element ('' without a point to draw): the pick is listed last, so it is drawn on top."""
    ok = [p for p in points if p.kind in KINDS and p.bytes and p.bytes > 0 and p.ssim is not None and p.ssim == p.ssim]
    if not ok:
        return ""
    ok.sort(key=lambda p: KINDS.index(p.kind))
    data = ",".join(f"{p.kind}{p.number or ''} {int(p.bytes)} {p.ssim:.5f}" for p in ok)
    return f'<svg class=chart width={WIDTH} height={HEIGHT} viewBox="0 0 {WIDTH} {HEIGHT}" data-p="{data}"></svg>'


# Draws every svg.chart[data-p]: the layout of WIDTH x HEIGHT above, margins L R T B.
SCRIPT = (
    """
const NS='http://www.w3.org/2000/svg',LABEL={v:"VTracer's defaults",m:'defaults minified',p:'pick',
P:'pick (the defaults minified)'};
function add(parent,tag,attrs,text){const e=document.createElementNS(NS,tag);
for(const k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;parent.append(e);return e}
function domain(v,pad,least){const lo=Math.min(...v),hi=Math.max(...v),s=Math.max(hi-lo,least),m=(lo+hi)/2;
return[m-s/2-pad*s,m+s/2+pad*s]}
function kb(n){return n>=1e6?+(n/1e6).toPrecision(3)+' MB':n>=1e3?+(n/1e3).toPrecision(3)+' kB':n+' B'}
function draw(svg){const W=@W@,H=@H@,L=46,R=12,T=10,B=30,base=H-B,right=W-R;
const pts=svg.dataset.p.split(',').map(s=>{const[k,b,q]=s.split(' ');return{k:k[0],n:k.slice(1),b:+b,q:+q}});
const[x0,x1]=domain(pts.map(p=>Math.log10(p.b)),.08,.3),[y0,y1]=domain(pts.map(p=>p.q),.1,.004);
const sx=v=>L+(Math.log10(v)-x0)/(x1-x0)*(W-L-R),sy=v=>T+(y1-v)/(y1-y0)*(H-T-B);
let xs=[];for(let e=Math.floor(x0);e<=Math.ceil(x1);e++)for(const m of[1,2,5]){const t=m*10**e;
if(t>=10**x0&&t<=10**x1)xs.push(t)}
if(xs.length>6)xs=xs.filter(t=>String(t)[0]==='1');xs=xs.filter((t,i)=>i%Math.ceil(xs.length/6)===0);
const raw=(y1-y0)/4,pw=10**Math.floor(Math.log10(raw)),step=[1,2,5,10].map(m=>m*pw).find(s=>s>=raw),
digits=Math.max(0,-Math.floor(Math.log10(step))),ys=[];
for(let i=Math.ceil(y0/step);i<=Math.floor(y1/step);i++)ys.push(i*step);
add(svg,'path',{class:'gr',
d:xs.map(t=>`M${sx(t)} ${T}V${base}`).join('')+ys.map(t=>`M${L} ${sy(t)}H${right}`).join('')});
add(svg,'path',{class:'ax',d:`M${L} ${T}V${base}H${right}`});
for(const t of xs)add(svg,'text',{x:sx(t),y:base+13},kb(t));
for(const t of ys)add(svg,'text',{class:'ty',x:L-4,y:sy(t)+3},t.toFixed(digits));
add(svg,'text',{x:(L+right)/2,y:H-2},'bytes (log scale)');
add(svg,'text',{class:'yl',transform:`translate(10 ${(T+base)/2}) rotate(-90)`},'SSIM');
const placed=[];for(const p of pts){const x=sx(p.b),y=sy(p.q),k=p.k==='P'?'p':p.k,name=LABEL[p.k];
const m=k==='p'?add(svg,'path',{class:'p',d:`M${x} ${y-6}l6 6-6 6-6-6z`}):
k==='v'?add(svg,'rect',{class:'v',x:x-4,y:y-4,width:8,height:8}):
add(svg,'circle',{class:k,cx:x,cy:y,r:k==='c'?3:4.5});
add(m,'title',{},`${name||'#'+p.n}: SSIM ${p.q.toFixed(4)}, ${p.b.toLocaleString('en')} bytes`);
if(!name)continue;const w=5.6*name.length,lx=x+7+w<=W-2?x+7:x-7-w;let ly=y+4;
while(placed.some(([px,py,pw])=>Math.abs(ly-py)<11&&lx<px+pw&&px<lx+w))ly+=11;
placed.push([lx,ly,w]);add(svg,'text',{class:'l'+k,x:lx,y:ly},name)}}
for(const s of document.querySelectorAll('svg.chart[data-p]'))draw(s);
""".strip()
    .replace("@W@", str(WIDTH))
    .replace("@H@", str(HEIGHT))
)
