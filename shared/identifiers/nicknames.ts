import { nameWords } from './names.ts';

/**
 * Given names and their nicknames and diminutives, one line per formal name: `formal:nick,nick`.
 *
 * Source: the English part is a subset of names.csv from the "nicknames" lookup maintained at
 * github.com/carltonnorthern/nicknames (Apache License 2.0), which collects the diminutives used
 * in US records; the second part adds the everyday diminutives of Spanish, Portuguese, Italian,
 * French, German, Dutch, Russian and Polish given names, compiled for Peerguard (same licence
 * terms as this repository). To add a name, add a line and run the matching evaluation
 * (`npm run eval:matching`): every nickname widens the `possible` tier a little.
 */
const table = `
abigail:abby,abbie,gail,nabby
abraham:abe,abram
albert:al,bert,bertie
alexander:alex,al,sandy,xander,alec,lex
alexandra:alex,sandy,alexa,lexi,sasha
alfred:al,alf,fred,freddie,freddy
alice:allie,ally,elsie,lisa
allison:allie,ally,ali
amanda:mandy,manda
amelia:amy,millie,mel
andrew:andy,drew,andie
angela:angie,angel
anna:ann,anne,annie,nan,nancy
anthony:tony,ant
antoinette:toni,netta
arthur:art,artie
barbara:barb,barbie,babs,bobbie
benjamin:ben,benny,benji,benjy
bernard:bernie,barney
beverly:bev
bradley:brad
brian:bryan
bridget:bridie,biddy
calvin:cal
cameron:cam
caroline:carol,carrie,caro,lynn
carolyn:carol,carrie,lynn
catherine:cathy,kathy,kate,katie,cat,kitty,cate
charles:charlie,chuck,chas,chaz,chip,carl
charlotte:charlie,lottie,char
christina:chris,tina,christy,kristy
christine:chris,tina,christy
christopher:chris,kit,topher,kris
cynthia:cindy
daniel:dan,danny
david:dave,davey,davy
deborah:debbie,deb,debby
dennis:denny
donald:don,donnie,donny
dorothy:dot,dottie,dolly,dora
douglas:doug
edward:ed,eddie,eddy,ted,teddy,ned
eleanor:ellie,nell,nora,elle
elizabeth:liz,lizzie,beth,betty,betsy,eliza,libby,lisa,bess,ellie
emily:em,emmy,millie
eugene:gene
evelyn:evie,eve
frances:fran,frannie,fanny
francis:frank,fran
frederick:fred,freddie,freddy,rick
gabriel:gabe
gabrielle:gabby,gabi,elle
gerald:gerry,jerry
gregory:greg
harold:hal,harry
harriet:hattie
helen:nell,nellie,ellie
henry:hank,harry,hal
isabella:bella,izzy,belle
isabelle:bella,izzy,belle
jacob:jake,jay,jakob
james:jim,jimmy,jamie,jimbo,jem
janet:jan
jeffrey:jeff
jennifer:jen,jenny,jenn
jessica:jess,jessie
joanna:jo,joanie
john:jack,johnny,jon,jonny
jonathan:jon,jonny,nathan,nate
joseph:joe,joey,jo
joshua:josh
judith:judy,jude
katherine:kate,katie,kathy,kat,kay,kitty,kath
kathleen:kathy,kate,katie,kath
kenneth:ken,kenny
kimberly:kim,kimmy
lawrence:larry,laurie,lance
leonard:leo,len,lenny
lillian:lily,lil,lillie
louis:lou,louie
louise:lou,lulu
margaret:maggie,meg,peggy,marge,margie,greta,madge,daisy,rita
martha:marty,mattie,patsy
martin:marty
matthew:matt,matty
megan:meg
melissa:mel,missy,lisa
michael:mike,mikey,mick,mickey,mitch
michelle:shelly,mickey,chelle
minerva:minnie
nathaniel:nate,nathan,nat
nicholas:nick,nicky,nico,klaus
nicole:nicky,nikki,cole
olivia:liv,livvy,ollie
pamela:pam
patricia:pat,patty,patsy,trish,tricia
patrick:pat,paddy,rick
penelope:penny,nell
peter:pete
philip:phil,pip
phillip:phil
rebecca:becky,becca,reba
richard:rick,ricky,dick,rich,richie,rico
robert:bob,bobby,rob,robbie,bert,bertie,robin
ronald:ron,ronnie,ronny
rosemary:rose,rosie
russell:russ,rusty
samantha:sam,sammy
samuel:sam,sammy
sandra:sandy,sandi
sarah:sally,sadie,sara
stephanie:steph,stephie
stephen:steve,stevie
steven:steve,stevie
susan:sue,susie,suzy,sukey
suzanne:sue,susie,suzy
theodore:ted,teddy,theo
thomas:tom,tommy,thom
timothy:tim,timmy
valerie:val
victoria:vicky,vicki,tori,vic
vincent:vince,vinny,vin
virginia:ginny,ginger
walter:walt,wally
william:will,bill,billy,willy,liam,willie
zachary:zach,zack
#
alejandro:alex,ale,jandro
antonio:toni,tono,nino
dolores:lola
eduardo:edu,lalo
enrique:quique,kike
francisco:paco,pancho,frank,fran,cisco,kiko
guadalupe:lupe,lupita
guillermo:memo,guille,willy
ignacio:nacho
jesus:chucho,chuy
jose:pepe,chepe,jose
manuel:manolo,manu,lolo
maria:mari,maruja,mary
mercedes:meche,merche
roberto:beto,tito
rosario:charo,chayo
joao:joaozinho
giuseppe:beppe,peppe,pino
giovanni:gianni,nanni,vanni
francesca:franca,cesca,checca
alessandro:sandro,ale
jean:jeannot
guillaume:guille,will
francoise:fanfan,francette
johannes:hans,jan,johann,hannes
johanna:hanna,hanne,jo
wolfgang:wolf,wolfi
friedrich:fritz,fred
elisabeth:elise,lisa,liesel,betty,elli
katharina:kathi,katja,kati
aleksandr:sasha,sanya,shura
aleksandra:sasha,sanya,shura
dmitriy:dima,mitya
dmitrii:dima,mitya
ekaterina:katya,katia,katerina
ivan:vanya
mikhail:misha
nikolai:kolya
olga:olya
sergei:seryozha
tatiana:tanya
vladimir:volodya,vova
yekaterina:katya
natalia:natasha,tasha
anastasia:nastya,stacy,ana
katarzyna:kasia
malgorzata:gosia,malgosia
aleksander:olek,alek
wojciech:wojtek
`;

/** For each name (folded as names are, skeleton included), the formal names it may stand for (itself included). */
const formalOf = new Map<string, Set<string>>();
for (const line of table.split('\n')) {
  const [rawFormal, rawNicks] = line.split(':');
  if (!rawFormal || !rawNicks) continue;
  const formal = nameWords(rawFormal).join('');
  for (const name of [formal, ...rawNicks.split(',').map((nick) => nameWords(nick).join(''))]) {
    const set = formalOf.get(name) ?? new Set([name]);
    set.add(formal);
    formalOf.set(name, set);
  }
}

/** The formal given names a (folded, lower-case) given name may be a nickname of, and the name itself. */
export function formalGivenNames(given: string): string[] {
  return [...(formalOf.get(given) ?? [given])].sort();
}
