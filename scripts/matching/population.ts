/**
 * A seeded synthetic population for the matching evaluation: people of several cultures and
 * scripts, with given names, sometimes a middle name, surnames as their culture writes them,
 * dates of birth, phones and e-mail addresses. Names are drawn from short lists of common names,
 * so many people share a name, as in life.
 */

export type Random = () => number;

/** mulberry32: a small, fast, seedable generator; the same seed gives the same population. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

interface Culture {
  readonly name: string;
  readonly given: readonly string[];
  readonly family: readonly string[];
  /** Two surnames (Spanish): the second is the one a desk most often leaves out. */
  readonly twoSurnames?: boolean;
  /** Words separated by a space (false: CJK names written as one run). */
  readonly spaced?: boolean;
  /** Latin-script names, whose e-mail addresses carry the name. */
  readonly latin?: boolean;
  readonly weight: number;
}

const w = (text: string): string[] => text.trim().split(/\s*\|\s*/);

export const cultures: readonly Culture[] = [
  {
    name: 'english',
    given: w(
      'James|Robert|Michael|William|David|Richard|Joseph|Thomas|Charles|Christopher|Daniel|Matthew|Anthony|Steven|Andrew|Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Margaret|Katherine|Rebecca|Samantha|Victoria|Edward|Alexander|Nicholas|Jonathan|Abigail',
    ),
    family: w(
      'Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore|Martin|Jackson|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|King|Wright|Scott|Green|Baker|Adams|Nelson|Hill|Campbell|Mitchell|Roberts|Carter',
    ),
    latin: true,
    spaced: true,
    weight: 30,
  },
  {
    name: 'irish',
    given: w('Sean|Siobhan|Patrick|Aoife|Ciaran|Niamh|Eoin|Saoirse|Padraig|Grainne|Cormac|Orla'),
    family: w("O'Connor|O'Brien|O'Sullivan|O'Neill|McCarthy|Kelly|Murphy|Walsh|O'Donnell|McLaughlin|Byrne|Ryan"),
    latin: true,
    spaced: true,
    weight: 6,
  },
  {
    name: 'spanish',
    given: w('José|María|Juan|Carmen|Francisco|Ana|Antonio|Lucía|Manuel|Dolores|Jesús|Guadalupe|Alejandro|Rosario|Enrique|Mercedes|Ignacio|Guillermo'),
    family: w('García|Rodríguez|Martínez|López|González|Hernández|Pérez|Sánchez|Ramírez|Torres|Flores|Rivera|Gómez|Díaz|Cruz|Morales|Ortiz|Gutiérrez'),
    twoSurnames: true,
    latin: true,
    spaced: true,
    weight: 14,
  },
  {
    name: 'german-dutch',
    given: w('Hans|Jürgen|Anna|Katharina|Johannes|Wolfgang|Friedrich|Elisabeth|Johanna|Sören|Jörg|Björn'),
    family: w('Müller|Schmidt|Schneider|Fischer|Weber|van der Berg|de Vries|Janssen|Bakker|Meyer|Schäfer|Koch'),
    latin: true,
    spaced: true,
    weight: 6,
  },
  {
    name: 'polish',
    given: w('Katarzyna|Wojciech|Małgorzata|Aleksander|Piotr|Agnieszka|Łukasz|Zofia'),
    family: w('Kowalski|Wiśniewski|Wójcik|Lewandowski|Kamiński|Zieliński|Szymański|Woźniak'),
    latin: true,
    spaced: true,
    weight: 4,
  },
  {
    name: 'russian',
    given: w('Дмитрий|Екатерина|Иван|Ольга|Сергей|Наталья|Алексей|Татьяна|Михаил|Анастасия'),
    family: w('Иванов|Смирнов|Кузнецов|Попова|Соколова|Лебедев|Козлов|Новикова|Морозов|Петрова'),
    spaced: true,
    weight: 5,
  },
  {
    name: 'greek',
    given: w('Γιώργος|Μαρία|Νίκος|Ελένη|Κώστας|Αικατερίνη'),
    family: w('Παπαδόπουλος|Παπαδοπούλου|Οικονόμου|Γεωργίου|Νικολάου|Δημητρίου'),
    spaced: true,
    weight: 3,
  },
  {
    name: 'indian-latin',
    given: w('Rahul|Priya|Amit|Sunita|Ravi|Anjali|Vikram|Deepa|Arjun|Kavita'),
    family: w('Sharma|Verma|Gupta|Singh|Patel|Reddy|Iyer|Nair|Kumar|Rao'),
    latin: true,
    spaced: true,
    weight: 8,
  },
  { name: 'devanagari', given: w('राहुल|प्रिया|अमित|सुनीता|रवि|अंजलि|विक्रम|दीपा'), family: w('शर्मा|वर्मा|गुप्ता|सिंह|पटेल|कुमार'), spaced: true, weight: 3 },
  { name: 'bengali', given: w('অমিত|রিয়া|সুমন|প্রিয়া|রাহুল|অনিতা'), family: w('দাস|রায়|ঘোষ|বসু|সেন|মিত্র'), spaced: true, weight: 2 },
  { name: 'thai', given: w('สมชาย|สมศรี|ปิยะ|สุดา|วิชัย|มาลี'), family: w('สุขสวัสดิ์|วงศ์ใหญ่|ศรีสุข|ทองดี|แก้วมณี|บุญมา'), spaced: true, weight: 2 },
  {
    name: 'japanese-kana',
    given: w('はると|ゆうき|さくら|ひろし|けんじ|ゆい|だいき|かずこ'),
    family: w('さとう|すずき|たかはし|たなか|わたなべ|いとう|やまだ|なかむら'),
    spaced: true,
    weight: 3,
  },
  { name: 'korean', given: w('민준|서연|지훈|하은|도윤|지우|현우|수빈'), family: w('김|이|박|최|정|강'), spaced: true, weight: 3 },
  { name: 'chinese', given: w('伟|芳|娜|敏|静|磊|洋|勇'), family: w('王|李|张|刘|陈|杨'), spaced: false, weight: 3 },
  {
    name: 'arabic-latin',
    given: w('Mohammed|Fatima|Ahmed|Aisha|Omar|Layla|Hassan|Yasmin'),
    family: w('Al-Sayed|Haddad|Khalil|Mansour|Nasser|Saleh|Hamdan|Aziz'),
    latin: true,
    spaced: true,
    weight: 4,
  },
];

export interface Person {
  readonly id: number;
  readonly culture: string;
  readonly latin: boolean;
  readonly spaced: boolean;
  readonly given: string;
  readonly middle?: string | undefined;
  readonly family: readonly string[];
  readonly dateOfBirth: string;
  readonly phone: string;
  readonly email: string;
}

export const fullName = (person: Pick<Person, 'given' | 'middle' | 'family' | 'spaced'>): string =>
  person.spaced === false ? `${person.family.join('')}${person.given}` : [person.given, person.middle, ...person.family].filter(Boolean).join(' ');

const providers = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'example.org', 'mail.example.net', 'fastmail.com'];

export function randomDate(random: Random, fromYear = 1950, toYear = 2005): string {
  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear, 11, 31);
  return new Date(start + Math.floor(random() * ((end - start) / 86_400_000)) * 86_400_000).toISOString().slice(0, 10);
}

const ascii = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ł/g, 'l')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

export function population(size: number, seed: number): Person[] {
  const random = seeded(seed);
  const totalWeight = cultures.reduce((sum, culture) => sum + culture.weight, 0);
  const people: Person[] = [];
  const phones = new Set<string>();
  for (let id = 0; id < size; id += 1) {
    let roll = random() * totalWeight;
    const culture = cultures.find((c) => (roll -= c.weight) < 0) ?? cultures[0]!;
    const given = pick(random, culture.given);
    const middle =
      culture.spaced !== false && random() < 0.3
        ? pick(
            random,
            culture.given.filter((name) => name !== given),
          )
        : undefined;
    const family = culture.twoSurnames ? [pick(random, culture.family), pick(random, culture.family)] : [pick(random, culture.family)];
    let phone: string;
    do phone = `+1 860 ${200 + Math.floor(random() * 800)} ${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
    while (phones.has(phone));
    phones.add(phone);
    const local = culture.latin ? `${ascii(given)}.${ascii(family[0]!)}${id}` : random() < 0.2 ? `${given}${id}` : `user${id}`;
    people.push({
      id,
      culture: culture.name,
      latin: culture.latin === true,
      spaced: culture.spaced !== false,
      given,
      middle,
      family,
      dateOfBirth: randomDate(random),
      phone,
      email: `${local}@${pick(random, providers)}`,
    });
  }
  return people;
}
