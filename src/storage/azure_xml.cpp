#include "storage/azure_xml.h"

#include <boost/property_tree/xml_parser.hpp>
#include <sstream>

namespace squall {

std::optional<XmlTree> ParseXml(std::string_view body) {
  // Some responses start with a UTF-8 byte order mark.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  try {
    std::istringstream in{std::string(body)};
    XmlTree tree;
    boost::property_tree::read_xml(in, tree);
    return tree;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string XmlText(const XmlTree& tree, const std::string& path) {
  auto child = tree.get_child_optional(path);
  return child ? child->data() : std::string();
}

}  // namespace squall
