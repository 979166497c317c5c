package ledger

import (
	"regexp"
	"strings"
)

// Masking personal data in what the public submits. A comment or an
// objection may carry a name, a mobile number, an ID number or a home
// address; none of it may become public. MaskPersonalData runs before
// anything submitted is stored for the public, and every public view (API,
// search index, pages, feeds, exports) reads only its result.

var (
	// 18-digit resident ID numbers (GB 11643): 17 digits and a digit or X.
	idNumber = regexp.MustCompile(`(^|[^0-9])([1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx])($|[^0-9])`)
	// Any other run of 15 to 18 digits that could be an ID number.
	longDigits = regexp.MustCompile(`(^|[^0-9])([0-9]{15,17}[0-9Xx])($|[^0-9])`)
	// Mainland mobile numbers, optionally +86, with spaces or hyphens 3-4-4.
	mobile = regexp.MustCompile(`(^|[^0-9])((?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2})($|[^0-9])`)
	// Land lines with an area code: 0xx-xxxxxxx(x).
	landline = regexp.MustCompile(`(^|[^0-9])(0[1-9][0-9]{1,2}[ -]?[2-9][0-9]{6,7})($|[^0-9])`)
	// The numbered part of an address: 12号, 3栋, 2单元, 502室, 7号楼, 3弄.
	houseNumber = regexp.MustCompile(`[0-9一二三四五六七八九十百零〇]+(?:号楼|号院|号|栋|幢|单元|室|弄|排|层)`)
	// A name after the words that introduce one.
	nameIntro = regexp.MustCompile(`(我叫|我是|本人是|本人|我的名字是|名字叫|姓名[:：]?|联系人[:：]?)\s*(\p{Han}{2,3})`)
)

// commonSurnames holds the most common Chinese surnames: a name is masked
// after 我叫/我是… only when it starts with one, so 我是一名志愿者 stays.
var commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// stars returns n asterisks.
func stars(n int) string { return strings.Repeat("*", n) }

// MaskPersonalData returns s with personal data replaced by asterisks:
// ID numbers entirely, mobile and land-line numbers but their first three
// digits, house numbers of addresses, and a name after 我叫, 我是, 本人,
// 姓名 and the like (when it begins with a common surname). changed reports
// whether anything was masked.
func MaskPersonalData(s string) (masked string, changed bool) {
	out := s
	digitsOnly := func(re *regexp.Regexp, keep int) {
		out = replaceGroup(re, out, 2, func(m string) string {
			n := 0
			return strings.Map(func(r rune) rune {
				if (r >= '0' && r <= '9') || r == 'X' || r == 'x' {
					n++
					if n > keep {
						return '*'
					}
				}
				return r
			}, m)
		})
	}
	digitsOnly(idNumber, 0)
	digitsOnly(longDigits, 0)
	digitsOnly(mobile, 3)
	digitsOnly(landline, 3)
	out = houseNumber.ReplaceAllStringFunc(out, func(m string) string {
		var b strings.Builder
		for _, r := range m {
			if strings.ContainsRune("0123456789一二三四五六七八九十百零〇", r) {
				b.WriteByte('*')
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	})
	out = nameIntro.ReplaceAllStringFunc(out, func(m string) string {
		sub := nameIntro.FindStringSubmatch(m)
		name := []rune(sub[2])
		if !strings.ContainsRune(commonSurnames, name[0]) {
			return m
		}
		return strings.TrimSuffix(m, sub[2]) + string(name[0]) + stars(len(name)-1)
	})
	return out, out != s
}

// replaceGroup replaces submatch group g of every match of re in s with
// f(group). The expressions above wrap their match in boundary groups
// that may consume one character, so matching restarts just after the
// replaced group to find adjacent numbers.
func replaceGroup(re *regexp.Regexp, s string, g int, f func(string) string) string {
	var b strings.Builder
	pos := 0
	for pos <= len(s) {
		loc := re.FindStringSubmatchIndex(s[pos:])
		if loc == nil || loc[2*g] < 0 {
			break
		}
		start, end := pos+loc[2*g], pos+loc[2*g+1]
		b.WriteString(s[pos:start])
		b.WriteString(f(s[start:end]))
		pos = end
	}
	if pos < len(s) {
		b.WriteString(s[pos:])
	}
	return b.String()
}
