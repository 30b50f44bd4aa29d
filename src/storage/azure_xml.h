// XML bodies of the Azure Storage REST API, read with Boost.PropertyTree (no parser of our own).
#pragma once

#include <boost/property_tree/ptree.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace squall {

using XmlTree = boost::property_tree::ptree;

// The parsed document, whitespace in text kept as sent; nullopt when it is not well-formed XML.
// Never throws.
std::optional<XmlTree> ParseXml(std::string_view body);

// The text of the child at `path` ("QueueMessagesList.QueueMessage.MessageId"), or "".
std::string XmlText(const XmlTree& tree, const std::string& path);

}  // namespace squall
